// Mistakes only the cloud reveals (what the database really runs, an unsuitable existing OIDC provider) fail
// the update with a message that says what to change, and nothing is built on top of the wrong answer.
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { checkEngine, engineForRdsEngine } from "../src/network";
import { chooseOidcProvider, deployRotator } from "../src/program";
import { readSettings } from "../src/settings";
import { baseConfig, makeRotatorZip, organization, project, RecordingMocks, stack, tempDir } from "./harness";

let zip: string;
before(async () => {
    zip = await makeRotatorZip(tempDir());
});

function runScenario(scenario: string): { failures: string[]; invokeRoles: number; functions: number } {
    const script = path.join(__dirname, "fixtures", "applyFailure.js");
    // The first line is the report. The Pulumi runtime then notes the registrations the failure left pending
    // and exits non-zero, which is expected here.
    const child = spawnSync(process.execPath, [script, scenario, zip], { encoding: "utf8", timeout: 60_000 });
    assert.ok(child.stdout.startsWith("{"), `no report from the scenario: ${child.stderr}`);
    return JSON.parse(child.stdout.split("\n")[0]);
}

test("RDS engine names map to the rotator engine that speaks to them", () => {
    assert.equal(engineForRdsEngine("aurora-postgresql"), "postgres");
    assert.equal(engineForRdsEngine("postgres"), "postgres");
    assert.equal(engineForRdsEngine("aurora-mysql"), "mysql");
    assert.equal(engineForRdsEngine("mysql"), "mysql");
    assert.equal(engineForRdsEngine("mariadb"), "mysql");
    assert.equal(engineForRdsEngine("sqlserver-ex"), undefined);
    assert.throws(() => checkEngine("postgres", "sqlserver-ex", "RDS instance x"), /set engine to mysql or postgres/);
});

test("engine mysql against an Aurora PostgreSQL cluster fails naming both, and no function is built", () => {
    const result = runScenario("mysql-on-aurora-postgres");
    assert.ok(result.failures.some(m => /engine is mysql but RDS cluster orders runs aurora-postgresql: set engine to postgres/.test(m)), JSON.stringify(result.failures));
    assert.equal(result.functions, 0);
});

test("engine postgres against a MariaDB instance fails naming both", () => {
    const result = runScenario("postgres-on-mariadb-instance");
    assert.ok(result.failures.some(m => /engine is postgres but RDS instance billing runs mariadb: set engine to mysql/.test(m)), JSON.stringify(result.failures));
    assert.equal(result.functions, 0);
});

test("an existing OIDC provider without the organisation's audience is not used, and no role trusts it", () => {
    const result = runScenario("foreign-oidc-provider");
    assert.ok(result.failures.some(m => /exists in this account but does not list the audience aws:acme/.test(m)), JSON.stringify(result.failures));
    assert.equal(result.invokeRoles, 0);
});

test("an existing OIDC provider is reused, kept when this stack owns it, refused when it lacks an audience", () => {
    const url = "https://api.pulumi.com/oidc";
    assert.equal(chooseOidcProvider({ clientIdLists: ["aws:acme"] }, ["aws:acme"], "p/s", url), "reuse");
    assert.equal(chooseOidcProvider({ clientIdLists: ["aws:acme"], tags: { "esc-rotators:owner": "p/s" } }, ["aws:acme"], "p/s", url), "own");
    assert.equal(chooseOidcProvider({ clientIdLists: ["aws:acme"], tags: { "esc-rotators:owner": "p/other" } }, ["aws:acme"], "p/s", url), "reuse");
    assert.throws(() => chooseOidcProvider({ clientIdLists: ["aws:acme"] }, ["acme", "aws:acme"], "p/s", url), /does not list the audience acme/);
});

test("a missing rotator zip stops the program before any resource, saying how to build it", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
    const dir = tempDir();
    const config: Record<string, string> = { ...baseConfig(zip), rotatorZip: "/nonexistent/bootstrap.zip" };
    assert.throws(
        () => deployRotator(readSettings({ get: key => config[key] }, organization, dir), {}, dir),
        /rotatorZip \/nonexistent\/bootstrap.zip does not exist: build it with scripts\/package.sh/);
    assert.equal(mocks.resources.length, 0);
});

test("a missing CA bundle stops the program before any resource", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
    const dir = tempDir();
    const missing = path.join(dir, "absent.pem");
    assert.equal(fs.existsSync(missing), false);
    const config: Record<string, string> = { ...baseConfig(zip), caBundlePath: missing };
    assert.throws(
        () => deployRotator(readSettings({ get: key => config[key] }, organization, dir), {}, dir),
        /absent.pem does not exist \(it was to be shipped as ca-bundle.pem next to bootstrap\)/);
    assert.equal(mocks.resources.length, 0);
});
