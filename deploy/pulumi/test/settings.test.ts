// Configuration is validated before any resource exists; every mistake names the key and the fix.
import assert from "node:assert/strict";
import * as path from "path";
import { describe, test } from "node:test";
import { ConfigurationError, readSettings } from "../src/settings";

const projectDir = "/srv/esc-rotators/deploy/pulumi";

function base(): Record<string, string | undefined> {
    return {
        engine: "postgres",
        rdsClusterIdentifier: "orders",
        dbName: "orders",
        rotatedSecretsEnvironmentName: "databases/orders",
        rotateUsers: JSON.stringify({ username1: "app_blue", username2: "app_green" }),
    };
}

function read(overrides: Record<string, string | undefined>) {
    const config = { ...base(), ...overrides };
    return readSettings({ get: key => config[key] }, "acme", projectDir);
}

const selfManaged = { rdsClusterIdentifier: undefined, subnetIds: "subnet-0aa", dbSecurityGroupId: "sg-0db", dbHost: "db.internal", dbPort: "5432" };

function pick(s: ReturnType<typeof read>) {
    return { tlsMode: s.tlsMode, rdsCaBundle: s.rdsCaBundle, caBundlePath: s.caBundlePath };
}

function rejects(overrides: Record<string, string | undefined>, message: RegExp): void {
    assert.throws(() => read(overrides), (err: unknown) => {
        assert.ok(err instanceof ConfigurationError, `expected a ConfigurationError, got ${String(err)}`);
        assert.match(err.message, message);
        return true;
    });
}

describe("defaults", () => {
    test("a minimal configuration gets the documented defaults", () => {
        const s = read({});
        assert.equal(s.architecture, "x86_64");
        assert.equal(s.timeoutSeconds, 10);
        assert.equal(s.memorySizeMb, 128);
        assert.equal(s.logRetentionDays, 30);
        assert.equal(s.tlsMode, "verify-full", "RDS endpoints are verified against Amazon RDS's bundle by default");
        assert.equal(s.rdsCaBundle, true);
        assert.equal(s.caBundlePath, undefined);
        assert.equal(s.backendUrl, "https://api.pulumi.com");
        assert.equal(s.managingUsername, "managing_user");
        assert.equal(s.updateEnvironmentYaml, false);
        assert.equal(s.adapter, undefined);
        assert.equal(s.rotationSchedule, undefined);
        assert.deepEqual(s.rotatedSecretsEnvironment, { project: "databases", name: "orders" });
        assert.deepEqual(s.managingCredsEnvironment, { project: "databases", name: "ordersManagingCreds" });
        assert.deepEqual(s.network, { mode: "rdsCluster", clusterIdentifier: "orders" });
    });

    test("the default zip is the one scripts/package.sh writes for the architecture", () => {
        const repo = path.resolve(projectDir, "..", "..");
        assert.equal(read({}).rotatorZip, path.join(repo, ".run", "package", "linux-x64", "bootstrap.zip"));
        assert.equal(read({ architecture: "arm64" }).rotatorZip, path.join(repo, ".run", "package", "linux-arm64", "bootstrap.zip"));
    });

    test("a CA bundle makes verify-full the default TLS mode", () => {
        const s = read({ caBundlePath: "rds-bundle.pem" });
        assert.equal(s.tlsMode, "verify-full");
        assert.equal(s.caBundlePath, path.join(projectDir, "rds-bundle.pem"));
    });

    test("TLS on RDS: verify-full with Amazon RDS's bundle unless another mode, rdsCaBundle false or your bundle is set", () => {
        const instance = { rdsClusterIdentifier: undefined, rdsInstanceIdentifier: "billing" };
        assert.deepEqual(pick(read(instance)), { tlsMode: "verify-full", rdsCaBundle: true, caBundlePath: undefined });
        assert.deepEqual(pick(read({ tlsMode: "verify-ca" })), { tlsMode: "verify-ca", rdsCaBundle: true, caBundlePath: undefined });
        for (const mode of ["disable", "prefer", "require"]) {
            assert.deepEqual(pick(read({ tlsMode: mode })), { tlsMode: mode, rdsCaBundle: false, caBundlePath: undefined },
                `tlsMode ${mode} reads no bundle, so none is shipped`);
        }
        assert.deepEqual(pick(read({ rdsCaBundle: "false" })), { tlsMode: "prefer", rdsCaBundle: false, caBundlePath: undefined });
        assert.deepEqual(pick(read({ caBundlePath: "mine.pem" })),
            { tlsMode: "verify-full", rdsCaBundle: false, caBundlePath: path.join(projectDir, "mine.pem") });
    });

    test("TLS on a self-managed database: prefer unless a bundle is given", () => {
        assert.deepEqual(pick(read(selfManaged)), { tlsMode: "prefer", rdsCaBundle: false, caBundlePath: undefined });
    });

    test("mysql may leave dbName unset", () => {
        assert.equal(read({ engine: "mysql", dbName: undefined }).dbName, undefined);
    });

    test("self-managed database mode takes subnets, security group, host and port", () => {
        const s = read({
            rdsClusterIdentifier: undefined,
            subnetIds: JSON.stringify(["subnet-0aa", "subnet-0bb"]),
            dbSecurityGroupId: "sg-0db",
            dbHost: "db.internal",
            dbPort: "5433",
        });
        assert.deepEqual(s.network, {
            mode: "selfManaged", subnetIds: ["subnet-0aa", "subnet-0bb"], dbSecurityGroupId: "sg-0db", dbHost: "db.internal", dbPort: 5433,
        });
    });

    test("a schedule is normalised to five fields", () => {
        assert.equal(read({ rotationSchedule: " 0  3 * * 1 " }).rotationSchedule, "0 3 * * 1");
    });
});

describe("bad configurations fail with a clear error", () => {
    test("two network modes", () => {
        rejects({ rdsInstanceIdentifier: "billing" }, /more than one network mode configured \(rdsClusterIdentifier; rdsInstanceIdentifier\)/);
    });
    test("an RDS identifier plus self-managed keys", () => {
        rejects({ dbHost: "db.internal" }, /more than one network mode configured \(rdsClusterIdentifier; dbHost\)/);
    });
    test("no network mode", () => {
        rejects({ rdsClusterIdentifier: undefined }, /no network mode configured: set exactly one of/);
    });
    test("a partial self-managed network", () => {
        rejects({ rdsClusterIdentifier: undefined, dbHost: "db.internal", dbPort: "5432" },
            /self-managed database network mode needs subnetIds, dbSecurityGroupId as well/);
    });
    test("an unknown engine", () => {
        rejects({ engine: "oracle" }, /engine must be mysql or postgres, got "oracle"/);
    });
    test("no engine (never guessed from the port)", () => {
        rejects({ engine: undefined }, /engine is required.*never guessed from the port/);
    });
    test("an environment name without a project", () => {
        rejects({ rotatedSecretsEnvironmentName: "orders" }, /rotatedSecretsEnvironmentName must be "<project>\/<environment>".*got "orders"/);
    });
    test("a managing environment name with too many parts", () => {
        rejects({ managingCredsEnvironmentName: "a/b/c" }, /managingCredsEnvironmentName must be "<project>\/<environment>"/);
    });
    test("the same name for both environments", () => {
        rejects({ managingCredsEnvironmentName: "databases/orders" }, /must differ from rotatedSecretsEnvironmentName/);
    });
    test("missing rotateUsers", () => {
        rejects({ rotateUsers: undefined }, /rotateUsers is required.*pulumi config set --path rotateUsers.username1/);
    });
    test("rotateUsers with one user", () => {
        rejects({ rotateUsers: JSON.stringify({ username1: "app" }) }, /rotateUsers needs two non-empty names/);
    });
    test("rotateUsers with the same user twice", () => {
        rejects({ rotateUsers: JSON.stringify({ username1: "app", username2: "app" }) }, /must be different users/);
    });
    test("postgres without dbName", () => {
        rejects({ dbName: undefined }, /dbName is required for engine postgres/);
    });
    test("verify-full without a CA bundle", () => {
        rejects({ ...selfManaged, tlsMode: "verify-full" }, /tlsMode verify-full .* set caBundlePath to the PEM file of the database's CA/);
        rejects({ rdsCaBundle: "false", tlsMode: "verify-ca" }, /tlsMode verify-ca .* leave rdsCaBundle unset .* or set caBundlePath/);
    });
    test("rdsCaBundle on a self-managed database, or together with caBundlePath", () => {
        rejects({ ...selfManaged, rdsCaBundle: "true" }, /rdsCaBundle applies to rdsClusterIdentifier and rdsInstanceIdentifier only/);
        rejects({ rdsCaBundle: "true", caBundlePath: "mine.pem" }, /set either caBundlePath .* or rdsCaBundle: true .*, not both/);
    });
    test("code signing in an RDS mode, where Amazon RDS's bundle would be added to the signed zip", () => {
        const signing = { signingProfileVersionArn: "arn:aws:signer:us-west-2:123456789012:/signing-profiles/rotator/abc123" };
        rejects(signing, /signingProfileVersionArn: in the RDS modes tlsMode verify-full ships Amazon RDS's CA bundle .* set rdsCaBundle false/);
        assert.equal(read({ ...signing, rdsCaBundle: "false", tlsMode: "require" }).tlsMode, "require");
    });
    test("an unknown TLS mode", () => {
        rejects({ tlsMode: "strict" }, /tlsMode must be one of disable, prefer, require, verify-ca, verify-full/);
    });
    test("an unknown architecture", () => {
        rejects({ architecture: "amd64" }, /architecture must be one of x86_64, arm64/);
    });
    test("a timeout outside Lambda's range", () => {
        rejects({ timeout: "1000" }, /timeout must be a whole number from 3 to 900/);
    });
    test("a log retention CloudWatch does not offer", () => {
        rejects({ logRetentionDays: "10" }, /logRetentionDays must be one of CloudWatch's values/);
    });
    test("a schedule that is not five cron fields", () => {
        rejects({ rotationSchedule: "every monday" }, /rotationSchedule must be a five-field cron expression/);
    });
    test("a plain-http backend", () => {
        rejects({ backendUrl: "http://pulumi.internal" }, /backendUrl must be an https URL/);
    });
    test("a subnet list with something else in it", () => {
        rejects({ rdsClusterIdentifier: undefined, subnetIds: "vpc-0aa", dbSecurityGroupId: "sg-0db", dbHost: "h", dbPort: "5432" },
            /subnetIds must be a non-empty list of subnet IDs/);
    });
    test("a port out of range", () => {
        rejects({ rdsClusterIdentifier: undefined, subnetIds: "subnet-0aa", dbSecurityGroupId: "sg-0db", dbHost: "h", dbPort: "70000" },
            /dbPort must be a whole number from 1 to 65535/);
    });
    test("a signing profile that is not a Signer ARN", () => {
        rejects({ signingProfileVersionArn: "my-profile" }, /signingProfileVersionArn must be an AWS Signer profile version ARN/);
    });
    test("code signing together with a file added to the zip", () => {
        rejects({
            signingProfileVersionArn: "arn:aws:signer:us-west-2:123456789012:/signing-profiles/rotator/abc123",
            caBundlePath: "bundle.pem",
        }, /adding a file to a signed zip breaks its signature/);
    });
    test("the adapter without signing keys", () => {
        rejects({ adapter: "true" }, /adapter: true needs the signing keys: set jwksPath/);
    });
    test("adapter keys without the adapter", () => {
        rejects({ jwksPath: "jwks.json" }, /jwksPath only apply with adapter: true/);
    });
    test("an adapterUrl that is not a function URL", () => {
        rejects({ adapter: "true", jwksPath: "jwks.json", adapterUrl: "http://example.com/" }, /adapterUrl must be the function URL/);
    });
    test("a boolean that is not true or false", () => {
        rejects({ adapter: "yes" }, /adapter must be true or false, got "yes"/);
    });
});
