using System.Text;
using EscRotators.Adapter.Jwks;

namespace EscRotators.UnitTests.Adapter;

/// <summary>A JWKS source that counts reads and fails on demand.</summary>
internal sealed class InMemoryJwksSource : IJwksSource
{
    public InMemoryJwksSource(string document) => Document = document;

    public string Document { get; set; }

    public bool Failing { get; set; }

    public int Reads { get; private set; }

    public string Description => "memory";

    public Task<byte[]> ReadAsync(CancellationToken cancellationToken)
    {
        Reads++;
        return Failing
            ? Task.FromException<byte[]>(new SigningKeysUnavailableException("the test source is failing"))
            : Task.FromResult(Encoding.UTF8.GetBytes(Document));
    }
}
