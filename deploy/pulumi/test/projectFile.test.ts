// Pulumi.yaml describes every key the program reads, and nothing it does not read.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import { readSecretsManagerSettings, readSettings } from "../src/settings";

const projectDir = path.join(__dirname, "..", "..");

function keysRead(config: Record<string, string>): Set<string> {
    const seen = new Set<string>();
    const source = { get: (key: string) => { seen.add(key); return config[key]; } };
    if (config.mode === "secretsManager") {
        readSecretsManagerSettings(source, "us-west-2", projectDir);
    } else {
        readSettings(source, "acme", projectDir);
    }
    return seen;
}

test("every configuration key the program reads is described in Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, "esc-rotators");
    assert.equal(project.runtime.name, "nodejs");
    const described = Object.keys(project.template.config);
    for (const key of described) {
        assert.ok(typeof project.template.config[key].description === "string" && project.template.config[key].description.length > 20,
            `${key} needs a description`);
    }
    const common = {
        engine: "postgres", dbName: "app", rotatedSecretsEnvironmentName: "p/e",
        rotateUsers: JSON.stringify({ username1: "a", username2: "b" }),
    };
    const read = new Set([
        ...keysRead({ ...common, rdsClusterIdentifier: "c", adapter: "true", jwksPath: "j.json" }),
        ...keysRead({ ...common, subnetIds: "subnet-0a", dbSecurityGroupId: "sg-0a", dbHost: "h", dbPort: "5432", caBundlePath: "b.pem" }),
        ...keysRead({
            mode: "secretsManager", engine: "postgres", rdsClusterIdentifier: "c",
            secretArns: JSON.stringify(["arn:aws:secretsmanager:us-west-2:123456789012:secret:app-AbCdEf"]),
            masterSecretArns: JSON.stringify(["arn:aws:secretsmanager:us-west-2:123456789012:secret:master-AbCdEf"]),
            secretsKmsKeyArn: "arn:aws:kms:us-west-2:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab",
        }),
    ]);
    // Read by index.ts itself: the organization override and the secret password.
    read.add("organization");
    read.add("managingPassword");
    read.add("aws:region");
    assert.deepEqual([...read].sort(), [...described].sort());
});
