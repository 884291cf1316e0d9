namespace EscRotators.IntegrationTests.Adapter;

/// <summary>An HTTP answer from either transport: the status, the content type and the body exactly as sent.</summary>
internal sealed record AdapterReply(int Status, string? ContentType, string Body)
{
    public override string ToString() => $"{Status} {ContentType}: {Body}";
}
