using System;

namespace Ipsec.Packets;

/// <summary>
/// What the <see cref="SecurityAssociationDatabase"/> needs from a security association: its SPI, and disposal, which
/// zeroes its keys. <see cref="EspSecurityAssociation"/> is one; an AH SA or a test double is another.
/// </summary>
/// <remarks>
/// The database disposes the SA once the SA has left the database (removed, retired, or past its hard lifetime) and the
/// last <see cref="SecurityAssociationLease"/> on it has been released, so no thread is still using the keys.
/// </remarks>
public interface ISecurityAssociation : IDisposable
{
    /// <summary>The Security Parameters Index.</summary>
    uint Spi { get; }
}
