using System;
using System.Collections.Generic;
using Ipsec.Packets.Crypto;
using Ipsec.Packets.Crypto.Primitives;
using Ipsec.Packets.Tests.Vectors;
using NUnit.Framework;

namespace Ipsec.Packets.Tests.Crypto;

/// <summary>Every vector of cipher-kat.json, in both directions, through the intrinsic and the portable code paths.</summary>
public class CipherKatTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (Vector v in VectorFile.Load("cipher-kat.json"))
        {
            yield return new TestCaseData(v, false).SetName($"{v.Id} (hardware where available)");
            yield return new TestCaseData(v, true).SetName($"{v.Id} (portable)");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void KnownAnswer(Vector v, bool portable)
    {
        byte[] plaintext = v.Hex("plaintext_hex");
        byte[] expected = v.Hex("ciphertext_hex");
        switch (v.Str("primitive"))
        {
            case "AES-CBC":
            {
                using var cbc = new AesCbcTransform(v.Hex("key_hex"), portable);
                var output = new byte[plaintext.Length];
                cbc.Encrypt(v.Hex("iv_hex"), plaintext, output);
                Assert.That(output, Is.EqualTo(expected));
                cbc.Decrypt(v.Hex("iv_hex"), expected, output);
                Assert.That(output, Is.EqualTo(plaintext));
                break;
            }

            case "AES-CTR":
            {
                using var ctr = new AesCtrTransform(v.Hex("keymat_hex"), portable);
                var output = new byte[plaintext.Length];
                ctr.Encrypt(v.Hex("iv_hex"), plaintext, output);
                Assert.That(output, Is.EqualTo(expected));
                ctr.Decrypt(v.Hex("iv_hex"), expected, output);
                Assert.That(output, Is.EqualTo(plaintext));

                // The published first counter block and key-stream block.
                using var aes = new AesBlockCipher(v.Hex("key_hex"), portable);
                var stream = new byte[16];
                aes.EncryptBlock(v.Hex("counter_block_hex"), stream);
                Assert.That(stream, Is.EqualTo(v.Hex("keystream_hex")[..16]));
                break;
            }

            case "AES-CCM" when !v.Has("keymat_hex"):
            {
                // Generic CCM (RFC 3610): 13-byte nonce, L = 2.
                int tagLength = v.Int("tag_length");
                using var aes = new AesBlockCipher(v.Hex("key_hex"), portable);
                var output = new byte[plaintext.Length];
                var tag = new byte[tagLength];
                AesCcmTransform.Seal(aes, v.Hex("nonce_hex"), v.Hex("aad_hex"), default, plaintext, output, tag);
                Assert.That(Concat(output, tag), Is.EqualTo(expected));
                var opened = new byte[plaintext.Length];
                Assert.That(AesCcmTransform.TryOpen(aes, v.Hex("nonce_hex"), v.Hex("aad_hex"), default, output, tag, opened), Is.True);
                Assert.That(opened, Is.EqualTo(plaintext));
                break;
            }

            default:
            {
                AeadTransform aead = v.Str("primitive") switch
                {
                    "AES-GCM" => new AesGcmTransform(v.Hex("keymat_hex"), v.Int("tag_length"), portable),
                    "AES-CCM" => new AesCcmTransform(v.Hex("keymat_hex"), v.Int("tag_length"), portable),
                    "CHACHA20-POLY1305" => new ChaCha20Poly1305Transform(v.Hex("keymat_hex")),
                    string other => throw new NotSupportedException(other),
                };
                using (aead)
                {
                    byte[] aad = v.Hex("aad_hex");
                    byte[] iv = v.Hex("iv_hex");
                    Assert.That(v.Hex("nonce_hex")[^8..], Is.EqualTo(iv), "the nonce ends with the IV");
                    var output = new byte[plaintext.Length];
                    var tag = new byte[aead.IcvSize];
                    aead.Seal(iv, aad, default, plaintext, output, tag);
                    Assert.That(Concat(output, tag), Is.EqualTo(expected));

                    // The AAD split at every position between head and tail gives the same tag.
                    for (int split = 0; split <= aad.Length; split++)
                    {
                        var again = new byte[tag.Length];
                        aead.Seal(iv, aad.AsSpan(0, split), aad.AsSpan(split), plaintext, output, again);
                        Assert.That(again, Is.EqualTo(tag), $"AAD split at {split}");
                    }

                    var opened = new byte[plaintext.Length];
                    Assert.That(aead.TryOpen(iv, aad, default, output, tag, opened), Is.True);
                    Assert.That(opened, Is.EqualTo(plaintext));
                    tag[0] ^= 1;
                    Array.Fill(opened, (byte)0xA5);
                    Assert.That(aead.TryOpen(iv, aad, default, output, tag, opened), Is.False);
                    Assert.That(opened, Is.All.EqualTo(0xA5), "nothing written for a forged tag");
                }

                break;
            }
        }
    }

    private static byte[] Concat(byte[] a, byte[] b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result, a.Length);
        return result;
    }
}
