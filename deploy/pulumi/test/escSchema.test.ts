// Every ESC environment this repository ships or generates passes the input schemas ESC publishes for its
// built-ins (test/fixtures/esc-schemas.json; test/escSchema.ts says how interpolations and fn::secret are
// treated). The generated environments of every configuration the mock tests declare are checked by
// `runProgram` itself; this file covers the shipped examples, each generator directly, and shows that the check
// refuses what ESC refuses.
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { connectorRotatorYaml, DatabaseInput, externalRotatorYaml, managingCredsYaml } from "../src/escYaml";
import { EscEnvironment, knownBuiltins, SchemaFinding, validateEnvironments } from "./escSchema";
import { baseConfig, generatedEnvironments, makeRotatorZip, runProgram, tempDir } from "./harness";

const escDir = path.join(__dirname, "..", "..", "..", "esc");
const fixtures = path.join(__dirname, "..", "..", "test", "fixtures");

/** An example file as the environment its header names ("# ESC environment: <project>/<name>..."). */
function example(file: string, name?: string): EscEnvironment {
    const text = fs.readFileSync(path.join(escDir, file), "utf8");
    const header = /^# ESC environment: ([A-Za-z0-9._-]+\/[A-Za-z0-9._-]+)/.exec(text);
    assert.ok(header, `${file} names its environment in its first line`);
    return { name: name ?? header[1], definition: parse(text) };
}

function calls(envs: EscEnvironment[]): string[] {
    const found: string[] = [];
    const walk = (v: any) => {
        if (v !== null && typeof v === "object") {
            for (const [k, item] of Object.entries(v)) {
                if (k.startsWith("fn::") && k !== "fn::secret") {
                    found.push(k);
                }
                walk(item);
            }
        }
    };
    envs.forEach(e => walk(e.definition));
    return [...new Set(found)].sort();
}

function errorsOf(findings: SchemaFinding[]): string[] {
    return findings.flatMap(f => f.errors.map(e => `${f.environment} ${f.at}: ${e}`));
}

const managing = { project: "databases", name: "ordersManagingCreds" };
const managingYaml = managingCredsYaml({ managingUsername: "managing_user", roleArn: "arn:aws:iam::123456789012:role/esc-rotator-invoke" });
const generatedManaging: EscEnvironment = { name: "databases/ordersManagingCreds", definition: parse(managingYaml) };

describe("shipped examples", () => {
    // The managing-credentials example is the template of every managing environment the examples in its
    // directory reference; databases/billing's is databases/billingManagingCreds.
    const lambdaExamples = () => [
        example("managing-credentials.yaml"),
        example("managing-credentials.yaml", "databases/billingManagingCreds"),
        example("rotator-postgres.yaml"),
        example("rotator-mysql.yaml"),
        example("rotator-external-lambda.yaml"),
        example("application.yaml"),
    ];
    const serverExamples = () => [example("server/managing-credentials.yaml"), example("server/rotator-external-server.yaml")];

    test("every YAML file in deploy/esc and deploy/esc/server is checked", () => {
        const checked = [...lambdaExamples(), ...serverExamples()].map(e => e.name);
        const files = fs.readdirSync(escDir, { recursive: true }).map(String).filter(f => f.endsWith(".yaml"));
        assert.equal(new Set(files.map(f => example(f).name)).size, files.length, "one environment per file");
        for (const file of files) {
            assert.ok(checked.includes(example(file).name), `${file} is not validated`);
        }
    });

    test("the examples call every built-in the fixture has a schema for", () => {
        assert.deepEqual(knownBuiltins, ["fn::open::aws-login", "fn::rotate::external", "fn::rotate::mysql", "fn::rotate::postgres"]);
        assert.deepEqual(calls([...lambdaExamples(), ...serverExamples()]), knownBuiltins);
    });

    test("the Lambda examples pass ESC's published schemas", () => {
        assert.deepEqual(errorsOf(validateEnvironments(lambdaExamples())), []);
    });

    test("the esc-rotator-server examples pass ESC's published schemas", () => {
        assert.deepEqual(errorsOf(validateEnvironments(serverExamples())), []);
    });
});

describe("generated environments", () => {
    const db = (engine: "mysql" | "postgres", dbName?: string): DatabaseInput => ({
        engine, host: "db.internal.example", port: engine === "mysql" ? 3306 : 5432, dbName,
        rotateUsers: { username1: "app_blue", username2: "app_green" },
    });
    const lambdaArn = "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn";
    const check = (rotator: string) =>
        errorsOf(validateEnvironments([generatedManaging, { name: "databases/orders", definition: parse(rotator) }]));

    for (const [engine, dbName] of [["postgres", "orders"], ["mysql", "billing"], ["mysql", undefined]] as const) {
        test(`the connector rotator for ${engine}${dbName ? " with" : " without"} dbName passes`, () => {
            assert.deepEqual(check(connectorRotatorYaml(db(engine, dbName), managing, lambdaArn)), []);
        });
        test(`the external rotator for ${engine}${dbName ? " with" : " without"} dbName passes`, () => {
            assert.deepEqual(check(externalRotatorYaml(db(engine, dbName), managing, "https://abc.lambda-url.us-west-2.on.aws/")), []);
        });
    }

    let zip: string;
    before(async () => {
        zip = await makeRotatorZip(tempDir());
    });

    test("runProgram checks both environments it registered (MySQL without dbName)", async () => {
        const config: Record<string, string> = { ...baseConfig(zip), engine: "mysql", rdsInstanceIdentifier: "billing" };
        delete config.rdsClusterIdentifier;
        delete config.dbName;
        const run = await runProgram(config);
        const envs = await generatedEnvironments(run.mocks);
        assert.deepEqual(envs.map(e => e.name).sort(), ["databases/orders", "databases/ordersManagingCreds"]);
        assert.deepEqual(calls(envs), ["fn::open::aws-login", "fn::rotate::mysql"]);
        assert.deepEqual(validateEnvironments(envs), []);
    });
});

describe("the check refuses what ESC refuses", () => {
    test("main's MySQL environment without dbName (no database) fails: database is required", () => {
        const rotator = parse(fs.readFileSync(path.join(fixtures, "main-mysql-without-dbname.yaml"), "utf8"));
        assert.deepEqual(errorsOf(validateEnvironments([generatedManaging, { name: "databases/billing", definition: rotator }])), [
            "databases/billing values.dbRotator.fn::rotate::mysql: /inputs/database must have required property 'database'",
        ]);
    });

    test("a wrong type, a bad subject attribute, and a plain-http adapter URL are each reported", () => {
        const rotator = parse(connectorRotatorYaml({
            engine: "postgres", host: "h", port: 5432, dbName: "orders", rotateUsers: { username1: "a", username2: "b" },
        }, managing, "arn"));
        rotator.values.dbRotator["fn::rotate::postgres"].inputs.database.port = "5432";
        const login = parse(managingYaml);
        login.values.awsLogin["fn::open::aws-login"].oidc.subjectAttributes = ["currentEnvironment.project"];
        const external = parse(externalRotatorYaml({
            engine: "mysql", host: "h", port: 3306, rotateUsers: { username1: "a", username2: "b" },
        }, managing, "http://adapter.example/"));
        const errors = errorsOf(validateEnvironments([
            { name: "databases/ordersManagingCreds", definition: login },
            { name: "databases/orders", definition: rotator },
            { name: "databases/external", definition: external },
        ]));
        assert.deepEqual(errors, [
            "databases/ordersManagingCreds values.awsLogin.fn::open::aws-login: /oidc/subjectAttributes/0 must be equal to one of the allowed values",
            "databases/orders values.dbRotator.fn::rotate::postgres: /inputs/database/port must be number",
            'databases/external values.dbRotator.fn::rotate::external: /inputs/url must match pattern "^https://"',
        ]);
    });

    test("a reference to a managing environment that is not there, or to a property it lacks, is a finding", () => {
        const rotator = parse(connectorRotatorYaml({
            engine: "postgres", host: "h", port: 5432, dbName: "orders", rotateUsers: { username1: "a", username2: "b" },
        }, { project: "databases", name: "elsewhere" }, "arn"));
        assert.match(errorsOf(validateEnvironments([{ name: "databases/orders", definition: rotator }])).join("\n"),
            /environment databases\/elsewhere is not in the set/);
        const noUser = parse(managingYaml);
        delete noUser.values.managingUser;
        const ok = parse(connectorRotatorYaml({
            engine: "postgres", host: "h", port: 5432, dbName: "orders", rotateUsers: { username1: "a", username2: "b" },
        }, managing, "arn"));
        assert.match(errorsOf(validateEnvironments([{ name: "databases/ordersManagingCreds", definition: noUser }, { name: "databases/orders", definition: ok }])).join("\n"),
            /managingUser\} resolves to nothing in databases\/ordersManagingCreds/);
    });

    test("a managing user without a password fails the rotator's schema; the login's outputs satisfy the connector", () => {
        const noPassword = parse(managingYaml);
        delete noPassword.values.managingUser.password;
        const rotator = { name: "databases/orders", definition: parse(connectorRotatorYaml({
            engine: "postgres", host: "h", port: 5432, dbName: "orders", rotateUsers: { username1: "a", username2: "b" },
        }, managing, "arn")) };
        assert.deepEqual(errorsOf(validateEnvironments([{ name: "databases/ordersManagingCreds", definition: noPassword }, rotator])), [
            "databases/orders values.dbRotator.fn::rotate::postgres: /inputs/database/managingUser must have required property 'password'",
        ]);
        // A static login (no fn::open) without its secret key is refused where the connector takes it.
        const staticLogin = parse(managingYaml);
        staticLogin.values.awsLogin = { accessKeyId: "AKIA" };
        assert.deepEqual(errorsOf(validateEnvironments([{ name: "databases/ordersManagingCreds", definition: staticLogin }, rotator])), [
            "databases/orders values.dbRotator.fn::rotate::postgres: /inputs/database/connector/awsLambda/login must have required property 'secretAccessKey'",
            "databases/orders values.dbRotator.fn::rotate::postgres: /inputs/database/connector must match exactly one schema in oneOf",
        ]);
    });

    test("RE2's \\x{...} patterns of aws-login are enforced, not skipped (the pattern is unanchored: no allowed character at all)", () => {
        const login = parse(managingYaml);
        login.values.awsLogin["fn::open::aws-login"].oidc.roleArn = "\u0001".repeat(20);
        login.values.awsLogin["fn::open::aws-login"].oidc.duration = "1 hour";
        const errors = errorsOf(validateEnvironments([{ name: "databases/ordersManagingCreds", definition: login }]));
        assert.equal(errors.length, 2, errors.join("\n"));
        assert.match(errors[0], /\/oidc\/duration must match pattern/);
        assert.match(errors[1], /\/oidc\/roleArn must match pattern/);
    });
});
