using System;
using System.Collections.Generic;

namespace Ipsec.Packets.Crypto;

/// <summary>Exposes the arrays holding key-derived material so tests can check that Dispose zeroes them.</summary>
internal interface IKeyMaterialOwner
{
    /// <summary>Adds every array that holds key bytes, round keys or other key-derived secrets.</summary>
    void AppendKeyArrays(List<Array> arrays);
}
