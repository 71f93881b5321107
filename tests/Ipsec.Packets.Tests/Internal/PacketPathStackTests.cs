using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Internal;
using Ipsec.Packets.Modes;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Internal;

/// <summary>
/// The packet paths keep their scratch in inline arrays (<see cref="StackBlock16"/> and its siblings), never in
/// <c>stackalloc</c>: a localloc gives the method, and every caller the JIT inlines it into, a stack cookie, and the JIT
/// then shadow-copies each span parameter in the prologue, a store-forwarding stall on every packet (it cost a third of a
/// 64-byte AES-GCM unprotect). Checked in the compiled IL, so a stackalloc brought back by an edit fails here.
/// </summary>
public class PacketPathStackTests
{
    /// <summary>Types whose methods run per packet. Key setup is exempt (<see cref="s_keySetup"/>): it runs once per SA.</summary>
    private static readonly Type[] s_packetPathTypes =
    [
        typeof(EspSecurityAssociation),
        typeof(EspProcessor),
        typeof(IpsecPacketProcessor),
        typeof(OuterHeaderTemplate),
        typeof(AesGcmTransform),
        typeof(AesGcmShort),
        typeof(AesGcmPipelined),
        typeof(GhashClmul),
        typeof(GhashPortable),
        typeof(TagComparison),
        typeof(VectorMasks),
        typeof(BlockPadding),
        typeof(ChaCha20Poly1305Transform),
        typeof(ChaCha20),
        typeof(Poly1305),
        typeof(Poly1305Avx2),
        typeof(Poly1305Avx512),
        typeof(AesCbcTransform),
        typeof(AesCcmTransform),
        typeof(CcmMode),
        typeof(IntegrityTransform),
        typeof(HmacIntegrityContext),
        typeof(AesNiBlockCipher),
        typeof(AesArmBlockCipher),
        typeof(AesBitslicedBlockCipher),
        typeof(EspInTcpFrameReader),
    ];

    /// <summary>Once-per-SA methods that may keep a stackalloc (type name and method name).</summary>
    private static readonly HashSet<string> s_keySetup =
    [
        "AesNiBlockCipher.ExpandKey",
        "AesArmBlockCipher.ExpandKey",
        "OuterHeaderTemplate.IPv4Addresses",

        // The powers-of-r tables of the wide Poly1305 paths (long packets only): as inline arrays the JIT spilled table
        // rows to slots nothing clears; a stackalloc'd table is read through memory and cleared (KeyResidueTests).
        "Poly1305Avx2.Absorb",
        "Poly1305Avx512.Absorb",
    ];

    private static readonly Dictionary<short, OpCode> s_opCodes = OpCodesByValue();

    [Test]
    public void NoPacketPathMethodUsesStackalloc()
    {
        var found = new List<string>();
        foreach (Type type in s_packetPathTypes)
        {
            foreach (MethodBase method in MethodsOf(type))
            {
                string name = $"{type.Name}.{method.Name}";
                if (!s_keySetup.Contains(name) && UsesLocalloc(method))
                {
                    found.Add(name);
                }
            }
        }

        Assert.That(found, Is.Empty, "stackalloc on a packet path (use an inline array from Internal/StackBlocks.cs)");
    }

    /// <summary>The scan itself finds a stackalloc: the exempt key expansion has one.</summary>
    [Test]
    public void TheScanFindsTheKeyExpansionStackalloc()
    {
        MethodBase expandKey = typeof(AesNiBlockCipher).GetMethod("ExpandKey", BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.That(UsesLocalloc(expandKey), Is.True);
        Assert.That(UsesLocalloc(typeof(TagComparison).GetMethod(nameof(TagComparison.Matches))!), Is.False);
    }

    private static IEnumerable<MethodBase> MethodsOf(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (MethodInfo method in type.GetMethods(all))
        {
            yield return method;
        }

        foreach (ConstructorInfo constructor in type.GetConstructors(all))
        {
            yield return constructor;
        }

        // Lambdas and local functions compile to nested types and methods of their own.
        foreach (Type nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            foreach (MethodBase method in MethodsOf(nested))
            {
                yield return method;
            }
        }
    }

    /// <summary>Walks the method's IL instruction by instruction (operands skipped by their size) looking for localloc.</summary>
    private static bool UsesLocalloc(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        int position = 0;
        while (position < il.Length)
        {
            short value = il[position] == 0xFE ? (short)(0xFE00 | il[position + 1]) : il[position];
            position += il[position] == 0xFE ? 2 : 1;
            OpCode opCode = s_opCodes[value];
            if (opCode == OpCodes.Localloc)
            {
                return true;
            }

            position += OperandSize(opCode, il, position);
        }

        return false;
    }

    private static int OperandSize(OpCode opCode, byte[] il, int position) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, position)),
        _ => 4,
    };

    private static Dictionary<short, OpCode> OpCodesByValue()
    {
        var table = new Dictionary<short, OpCode>();
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            table[opCode.Value] = opCode;
        }

        return table;
    }
}
