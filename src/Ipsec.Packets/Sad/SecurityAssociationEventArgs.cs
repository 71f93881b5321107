using System;

namespace Ipsec.Packets;

/// <summary>Names the security association a lifetime or retirement event is about.</summary>
public sealed class SecurityAssociationEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="handle">The SA.</param>
    public SecurityAssociationEventArgs(SecurityAssociationHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        Handle = handle;
    }

    /// <summary>The SA.</summary>
    public SecurityAssociationHandle Handle { get; }
}
