using System.Net;

namespace Ipsec.Packets.Tests.Interop.StrongSwan;

/// <summary>One direction of a CHILD_SA as charon installed it: SPI, outer addresses and the keys IKEv2 derived.</summary>
public sealed record NegotiatedEspSa(uint Spi, IPAddress Source, IPAddress Destination, byte[] EncryptionKey, byte[] IntegrityKey);
