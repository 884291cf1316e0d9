using System.Text;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The few MySQL client/server protocol packets the fake MySQL servers send.</summary>
internal static class MySqlPackets
{
    /// <summary>The 20-byte scramble every greeting of <see cref="Greeting"/> carries.</summary>
    public static ReadOnlySpan<byte> Scramble => "abcdefghijklmnopqrst"u8;

    /// <summary>
    /// A protocol 10 greeting: CLIENT_PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | LONG_PASSWORD | LONG_FLAG |
    /// CONNECT_WITH_DB | TRANSACTIONS, plus CLIENT_SSL when <paramref name="offerTls"/>, offering authentication
    /// with <paramref name="plugin"/>.
    /// </summary>
    public static byte[] Greeting(string serverVersion, string plugin, bool offerTls = false)
    {
        var payload = new List<byte> { 10 };
        payload.AddRange(Encoding.ASCII.GetBytes(serverVersion + "\0"));
        payload.AddRange([1, 0, 0, 0]);
        payload.AddRange(Scramble[..8].ToArray());
        payload.Add(0);
        payload.AddRange([0x0D, (byte)(offerTls ? 0xAA : 0xA2)]); // capabilities, low 16 bits
        payload.Add(0x21);
        payload.AddRange([2, 0]);
        payload.AddRange([0x08, 0x00]); // capabilities, high 16 bits
        payload.Add(21);
        payload.AddRange(new byte[10]);
        payload.AddRange(Scramble[8..].ToArray());
        payload.Add(0);
        payload.AddRange(Encoding.ASCII.GetBytes(plugin + "\0"));
        return Packet(payload, sequence: 0);
    }

    /// <summary>A packet: 3-byte little-endian payload length, sequence number, payload.</summary>
    public static byte[] Packet(List<byte> payload, byte sequence)
    {
        var packet = new byte[4 + payload.Count];
        packet[0] = (byte)payload.Count;
        packet[1] = (byte)(payload.Count >> 8);
        packet[2] = (byte)(payload.Count >> 16);
        packet[3] = sequence;
        payload.CopyTo(packet, 4);
        return packet;
    }
}
