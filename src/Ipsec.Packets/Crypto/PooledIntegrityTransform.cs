using System;
using Ipsec.Packets.Internal;

namespace Ipsec.Packets.Crypto;

/// <summary>A keyed integrity context that lives in a <see cref="PooledIntegrityTransform{TContext}"/>'s pool.</summary>
internal abstract class PooledIntegrityContext : IntegrityContext
{
    /// <summary>The transform the context belongs to (null for standalone use in tests).</summary>
    public abstract IntegrityTransform? Owner { get; }

    /// <summary>Discards a computation abandoned half way, so the next renter starts clean.</summary>
    public abstract void ResetIfDirty();

    /// <summary>Releases the context's key material when its transform is disposed.</summary>
    public abstract void Release();
}

/// <summary>
/// The pool handling shared by the integrity transforms: one keyed context per slot, built at construction; renting
/// refuses a disposed transform, returning checks ownership and resets abandoned work, disposing releases every context.
/// </summary>
/// <remarks><see cref="Dispose"/> must not race with calls in progress.</remarks>
internal abstract class PooledIntegrityTransform<TContext> : IntegrityTransform
    where TContext : PooledIntegrityContext
{
    private readonly string _name;
    private readonly int _icvSize;
    private ContextPool<TContext>? _pool;
    private bool _disposed;

    /// <param name="name">The IKEv2 transform name, for messages and <see cref="ToString"/>.</param>
    /// <param name="icvSize">The truncated ICV size in bytes.</param>
    protected PooledIntegrityTransform(string name, int icvSize)
    {
        _name = name;
        _icvSize = icvSize;
    }

    /// <inheritdoc />
    public override int IcvSize => _icvSize;

    /// <summary>The transform name, for messages.</summary>
    protected string Name => _name;

    /// <summary>Fills the pool; called once from the derived constructor while the key material is at hand.</summary>
    protected void FillPool(Func<TContext> factory) => _pool = new ContextPool<TContext>(factory);

    /// <inheritdoc />
    public override IntegrityContext Rent()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(_name);
        }

        return _pool!.Rent();
    }

    /// <inheritdoc />
    public override void Return(IntegrityContext context)
    {
        if (context is not TContext own || !ReferenceEquals(own.Owner, this))
        {
            ThrowHelper.ThrowArgument("The context was not rented from this transform.", nameof(context));
            return;
        }

        own.ResetIfDirty();
        _pool!.Return(own);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ReleaseKeys();
        if (_pool is not null)
        {
            foreach (TContext context in _pool.All)
            {
                context.Release();
            }
        }
    }

    /// <summary>Zeroes key material the transform itself holds (beyond its contexts).</summary>
    protected virtual void ReleaseKeys()
    {
    }

    /// <inheritdoc />
    public override string ToString() => _name;
}
