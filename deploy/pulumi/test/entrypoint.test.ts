// index.ts as `pulumi up` runs it: configuration from the stack (project namespace), organisation from the
// engine, outputs exported.
import assert from "node:assert/strict";
import * as path from "path";
import { before, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { makeRotatorZip, organization, project, RecordingMocks, stack, tempDir, valueOf } from "./harness";

const indexModule = path.join(__dirname, "..", "index.js");
let zip: string;
before(async () => {
    zip = await makeRotatorZip(tempDir());
});

function setStackConfig(values: Record<string, string>): void {
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        all[`${project}:${key}`] = value;
    }
    pulumi.runtime.setAllConfig(all);
}

function load(): any {
    delete require.cache[require.resolve(indexModule)];
    return require(indexModule);
}

test("a bad configuration stops the program before any resource is declared", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
    setStackConfig({
        engine: "postgres",
        rdsClusterIdentifier: "orders",
        rdsInstanceIdentifier: "billing",
        rotatedSecretsEnvironmentName: "databases/orders",
        rotateUsers: JSON.stringify({ username1: "a", username2: "b" }),
        dbName: "orders",
        rotatorZip: zip,
    });
    assert.throws(() => load(), /more than one network mode configured/);
    await new Promise(resolve => setTimeout(resolve, 50));
    assert.equal(mocks.resources.length, 0);
    assert.equal(mocks.calls.length, 0);
});

test("stack configuration flows through index.ts into the exported outputs", async () => {
    const mocks = new RecordingMocks();
    await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
    setStackConfig({
        engine: "postgres",
        rdsClusterIdentifier: "orders",
        rdsInstanceIdentifier: "",
        rotatedSecretsEnvironmentName: "databases/orders",
        rotateUsers: JSON.stringify({ username1: "app_blue", username2: "app_green" }),
        dbName: "orders",
        rotatorZip: zip,
        rotationSchedule: "30 2 * * *",
    });
    const outputs = load();
    assert.equal(await valueOf(outputs.functionArn), "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn");
    assert.equal(await valueOf(outputs.invocationRoleArn), "arn:aws:iam::123456789012:role/esc-rotator-invoke");
    assert.equal(outputs.rotateCommand, "pulumi env rotate acme/databases/orders");
    assert.equal(outputs.managingCredsEnvironment, "databases/ordersManagingCreds");
    assert.equal(outputs.rotatedSecretsEnvironment, "databases/orders");
    assert.equal(outputs.adapterUrl, undefined);
    await valueOf(outputs.dbHost);
    await new Promise(resolve => setTimeout(resolve, 200));
    assert.equal(mocks.ofType("pulumiservice:index:EnvironmentRotationSchedule").length, 1);
    assert.equal(mocks.ofType("pulumiservice:index:Environment").length, 2);
});
