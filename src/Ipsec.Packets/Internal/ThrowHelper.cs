using System;
using System.Diagnostics.CodeAnalysis;

namespace Ipsec.Packets.Internal;

/// <summary>Throws the caller-mistake exceptions, keeping hot methods small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgument(string message, string paramName) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void ThrowObjectDisposed(string objectName) => throw new ObjectDisposedException(objectName);

    [DoesNotReturn]
    public static void ThrowOverlap(string paramName) =>
        throw new ArgumentException("The source and destination buffers overlap partially; use the exact in-place layout or disjoint buffers.", paramName);
}
