using EscRotators.Http;

namespace EscRotators.UnitTests.Http;

[TestFixture]
public sealed class HttpsProxyTests
{
    private static readonly Uri Target = new("https://api.example.com/oidc/.well-known/jwks");

    [Test]
    public void No_proxy_variable_means_a_direct_connection() =>
        Assert.That(HttpsProxy.For(Target, Variables()), Is.Null);

    [TestCase("HTTPS_PROXY")]
    [TestCase("https_proxy")]
    [TestCase("ALL_PROXY")]
    [TestCase("all_proxy")]
    public void Each_proxy_variable_is_read(string name)
    {
        var proxy = HttpsProxy.For(Target, Variables((name, "http://proxy.internal:3128")));

        Assert.That(proxy, Is.Not.Null);
        Assert.That((proxy!.Host, proxy.Port), Is.EqualTo(("proxy.internal", 3128)));
    }

    [Test]
    public void HTTPS_PROXY_wins_over_ALL_PROXY()
    {
        var proxy = HttpsProxy.For(Target, Variables(("ALL_PROXY", "http://all:1"), ("HTTPS_PROXY", "http://https:2")));

        Assert.That(proxy!.Host, Is.EqualTo("https"));
    }

    [Test]
    public void A_setting_without_a_scheme_is_an_http_proxy_on_port_80_by_default()
    {
        Assert.That(HttpsProxy.For(Target, Variables(("HTTPS_PROXY", "proxy.internal:8080")))!.Port, Is.EqualTo(8080));
        Assert.That(HttpsProxy.For(Target, Variables(("HTTPS_PROXY", "proxy.internal")))!.Port, Is.EqualTo(80));
    }

    [TestCase("*")]
    [TestCase("example.com")]
    [TestCase(".example.com")]
    [TestCase("localhost, API.EXAMPLE.COM")]
    [TestCase("example.com:443")]
    public void NO_PROXY_exempts_the_host_its_domains_and_a_matching_port(string noProxy) =>
        Assert.That(HttpsProxy.For(Target, Variables(("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", noProxy))), Is.Null);

    [TestCase("notexample.com")]
    [TestCase("api.example.com.evil")]
    [TestCase("example.com:8443")]
    [TestCase(".")]
    public void NO_PROXY_leaves_other_hosts_and_ports_to_the_proxy(string noProxy) =>
        Assert.That(HttpsProxy.For(Target, Variables(("HTTPS_PROXY", "http://p:1"), ("no_proxy", noProxy))), Is.Not.Null);

    [TestCase("https://user:hunter2@proxy:443")]
    [TestCase("socks5://user:hunter2@proxy:1080")]
    [TestCase("http://user:hunter2@")]
    public void A_setting_that_is_not_an_http_proxy_url_is_refused_by_name_never_by_value(string setting)
    {
        var refused = Assert.Throws<ArgumentException>(() => HttpsProxy.For(Target, Variables(("HTTPS_PROXY", setting))));

        Assert.That(refused!.Message, Does.Contain("HTTPS_PROXY").And.Not.Contain("hunter2"));
    }

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
