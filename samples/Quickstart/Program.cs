using System;

Console.WriteLine("Ipsec.Packets quickstart");
