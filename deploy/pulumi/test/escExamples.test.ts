// The paste-ready ESC environments in deploy/esc parse, have the shapes ESC's rotators take, and match what
// the program writes.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { parse } from "yaml";
import { connectorRotatorYaml, externalRotatorYaml, managingCredsYaml } from "../src/escYaml";

const escDir = path.join(__dirname, "..", "..", "..", "esc");
const load = (name: string) => parse(fs.readFileSync(path.join(escDir, name), "utf8"));
const managing = { project: "databases", name: "ordersManagingCreds" };

function keyShape(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(keyShape);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, keyShape(v)]));
    }
    return typeof value;
}

test("every example parses as YAML with a values section", () => {
    const files = ["managing-credentials.yaml", "rotator-postgres.yaml", "rotator-mysql.yaml", "rotator-external-lambda.yaml",
        "application.yaml", "server/managing-credentials.yaml", "server/rotator-external-server.yaml"];
    const present = fs.readdirSync(escDir, { recursive: true }).map(String).filter(f => f.endsWith(".yaml")).sort();
    assert.deepEqual(present, [...files].sort());
    for (const file of files) {
        assert.equal(typeof load(file).values, "object", file);
    }
});

test("the hand-written environments have the shapes the program writes", () => {
    const db = { engine: "postgres" as const, host: "h", port: 5432, dbName: "orders", rotateUsers: { username1: "user1", username2: "user2" } };
    assert.deepEqual(keyShape(load("managing-credentials.yaml")), keyShape(parse(managingCredsYaml({ managingUsername: "m", roleArn: "arn" }))));
    assert.deepEqual(keyShape(load("rotator-postgres.yaml")), keyShape(parse(connectorRotatorYaml(db, managing, "arn"))));
    assert.deepEqual(keyShape(load("rotator-external-lambda.yaml")), keyShape(parse(externalRotatorYaml(db, managing, "https://x/"))));
    const mysql = load("rotator-mysql.yaml").values.dbRotator["fn::rotate::mysql"].inputs;
    assert.equal(mysql.database.port, 3306);
    assert.match(mysql.database.connector.awsLambda.login, /^\$\{environments\.databases\.billingManagingCreds\.awsLogin\}$/);
});

test("the managing password is a fn::secret placeholder and the login names the environment in its subject", () => {
    for (const file of ["managing-credentials.yaml", "server/managing-credentials.yaml"]) {
        const password = load(file).values.managingUser.password;
        assert.deepEqual(Object.keys(password), ["fn::secret"], file);
    }
    assert.deepEqual(load("managing-credentials.yaml").values.awsLogin["fn::open::aws-login"].oidc.subjectAttributes, ["currentEnvironment.name"]);
});

test("the application reads current from the rotator it imports", () => {
    const app = load("application.yaml");
    assert.deepEqual(app.imports, ["databases/orders"]);
    assert.equal(app.values.database.username, "${dbRotator.current.username}");
    assert.equal(app.values.database.password, "${dbRotator.current.password}");
});

test("the server's audience is the URL its ESC environment calls, and the allowed subject is that environment", () => {
    const env = Object.fromEntries(fs.readFileSync(path.join(escDir, "server", "esc-rotator-server.env"), "utf8")
        .split("\n").filter(l => /^[A-Z_]+=/.test(l)).map(l => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const inputs = load("server/rotator-external-server.yaml").values.dbRotator["fn::rotate::external"].inputs;
    assert.equal(env.ESC_ROTATOR_AUDIENCE, inputs.url);
    assert.match(inputs.url, /^https:\/\//);
    assert.equal(env.ESC_ROTATOR_ALLOWED_SUBJECTS, "pulumi:environments:org:acme:env:databases/inventory");
    assert.equal(inputs.request.type, "mysql");
    assert.equal(inputs.request.database.managingUser, "${environments.databases.inventoryManagingCreds.managingUser}");
    const unit = fs.readFileSync(path.join(escDir, "server", "esc-rotator-server.service"), "utf8");
    assert.match(unit, /esc-rotator-server --listen 0\.0\.0\.0:8443 --tls-cert \S+ --tls-key \S+/);
});
