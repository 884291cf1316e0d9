// The Secrets Manager mode under Pulumi's mocks: one rotation and one scoped Lambda permission per secret, an
// execution role limited to those secrets, HTTPS egress to the Secrets Manager endpoint only, and every bad
// configuration refused before any resource.
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { secretsManagerPermissions } from "../src/policies";
import { checkAccount, checkEndpoint } from "../src/secretsManager";
import { ConfigurationError, readSecretsManagerSettings, readSettings } from "../src/settings";
import {
    account,
    baseConfig,
    kmsKeyArn,
    makeRotatorZip,
    organization,
    project,
    RecordingMocks,
    runSecretsManagerProgram,
    secretArn,
    SecretsManagerRun,
    secretsManagerConfig,
    stack,
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
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    permission: "aws:lambda/permission:Permission",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
};

const app = secretArn("orders/app");
const reporting = secretArn("orders/reporting");
const master = secretArn("orders/master");
const existingEndpointId = "vpce-0aaaabbbbcccc1111";

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

function executionPolicy(run: SecretsManagerRun): any {
    return JSON.parse(run.mocks.one(T.rolePolicy).inputs.policy);
}

function statement(run: SecretsManagerRun, sid: string): any {
    return executionPolicy(run).Statement.find((s: any) => s.Sid === sid);
}

function rules(mocks: RecordingMocks, type: string) {
    return mocks.ofType(type).map(r => ({
        sg: r.inputs.securityGroupId, proto: r.inputs.ipProtocol, from: r.inputs.fromPort, to: r.inputs.toPort,
        peer: r.inputs.referencedSecurityGroupId, cidr: r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6,
    })).sort((a, b) => `${a.sg}${a.from}`.localeCompare(`${b.sg}${b.from}`));
}

/** The function's only rules: PostgreSQL to the cluster's group and HTTPS to the endpoint's group, each admitted there. */
function assertDatabaseAndEndpointRules(run: SecretsManagerRun, endpointGroup: string): void {
    assert.deepEqual(rules(run.mocks, T.egress), [
        { sg: "sg-0lambda", proto: "tcp", from: 443, to: 443, peer: endpointGroup, cidr: undefined },
        { sg: "sg-0lambda", proto: "tcp", from: 5432, to: 5432, peer: "sg-0cluster", cidr: undefined },
    ]);
    assert.deepEqual(rules(run.mocks, T.ingress), [
        { sg: "sg-0cluster", proto: "tcp", from: 5432, to: 5432, peer: "sg-0lambda", cidr: undefined },
        { sg: endpointGroup, proto: "tcp", from: 443, to: 443, peer: "sg-0lambda", cidr: undefined },
    ]);
}

describe("Secrets Manager mode: two secrets, endpoint created", () => {
    let run: SecretsManagerRun;
    before(async () => {
        run = await runSecretsManagerProgram(secretsManagerConfig(zip));
    });

    test("registers the function, the endpoint and per secret a permission and a rotation; nothing of ESC", () => {
        assert.deepEqual(typeCounts(run.mocks), {
            [T.logGroup]: 1,
            [T.role]: 1,
            [T.rolePolicy]: 1,
            [T.sg]: 2,
            [T.egress]: 2,
            [T.ingress]: 2,
            [T.fn]: 1,
            [T.endpoint]: 1,
            [T.permission]: 2,
            [T.rotation]: 2,
        });
        assert.equal(run.mocks.calls.filter(c => c.token.startsWith("aws:iam/getOpenIdConnectProvider")).length, 0);
        assert.deepEqual(run.deployment.rotatedSecretArns, [app, reporting]);
    });

    test("each secret's permission admits Secrets Manager for that secret of this account only", () => {
        const permissions = run.mocks.ofType(T.permission).map(p => p.inputs);
        assert.deepEqual(permissions.map(p => ({
            fn: p.function, action: p.action, principal: p.principal, sourceArn: p.sourceArn, sourceAccount: p.sourceAccount,
        })), [app, reporting].map(arn => ({
            fn: "esc-rotator-fn", action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", sourceArn: arn, sourceAccount: account,
        })));
        for (const p of permissions) {
            assert.equal(p.functionUrlAuthType, undefined);
            assert.equal(p.principalOrgId, undefined);
        }
    });

    test("each secret rotates through the function on the default schedule, first on the schedule", () => {
        const rotations = run.mocks.ofType(T.rotation).map(r => r.inputs);
        assert.deepEqual(rotations.map(r => ({ id: r.secretId, fn: r.rotationLambdaArn, rules: r.rotationRules, now: r.rotateImmediately })),
            [app, reporting].map(arn => ({
                id: arn, fn: "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn",
                rules: { scheduleExpression: "rate(30 days)" }, now: false,
            })));
    });

    test("the execution role may run the four secret operations on these secrets only, and GetRandomPassword", () => {
        const policy = executionPolicy(run);
        assert.deepEqual(statement(run, "RotateTheseSecretsOnly"), {
            Sid: "RotateTheseSecretsOnly",
            Effect: "Allow",
            Action: [
                "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
            ],
            Resource: [app, reporting],
        });
        assert.deepEqual(statement(run, "GenerateRandomPassword"),
            { Sid: "GenerateRandomPassword", Effect: "Allow", Action: "secretsmanager:GetRandomPassword", Resource: "*" });
        const secretStatements = policy.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("secretsmanager:")));
        assert.equal(secretStatements.length, 2, "no master-secret statement without masterSecretArns");
        assert.equal(statement(run, "SecretsKeyThroughSecretsManagerOnly"), undefined, "no KMS statement without a customer key");
        const actions = policy.Statement.flatMap((s: any) => [s.Action].flat()).sort();
        assert.deepEqual(actions, [
            "ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:UnassignPrivateIpAddresses",
            "logs:CreateLogStream", "logs:PutLogEvents",
            "secretsmanager:DescribeSecret", "secretsmanager:GetRandomPassword", "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]);
        // "*" is only where IAM offers no resource: GetRandomPassword and the EC2 interface calls.
        for (const s of policy.Statement.filter((x: any) => x.Resource === "*")) {
            assert.ok(s.Sid === "GenerateRandomPassword" || s.Sid === "VpcNetworkInterfaces", JSON.stringify(s));
        }
        assert.doesNotMatch(JSON.stringify(policy), /secretsmanager:\*|kms:/);
    });

    test("the endpoint is a private-DNS Secrets Manager interface endpoint in the function's subnets with its own security group", () => {
        const endpoint = run.mocks.one(T.endpoint).inputs;
        assert.deepEqual({
            vpc: endpoint.vpcId, service: endpoint.serviceName, type: endpoint.vpcEndpointType, dns: endpoint.privateDnsEnabled,
            subnets: endpoint.subnetIds, groups: endpoint.securityGroupIds,
        }, {
            vpc: "vpc-0rds", service: "com.amazonaws.us-west-2.secretsmanager", type: "Interface", dns: true,
            subnets: run.mocks.one(T.fn).inputs.vpcConfig.subnetIds, groups: ["sg-0endpoint"],
        });
        const groups = run.mocks.ofType(T.sg).map(g => g.inputs);
        for (const g of groups) {
            assert.equal(g.vpcId, "vpc-0rds");
            assert.equal(g.egress, undefined, "no inline rules");
            assert.equal(g.ingress, undefined, "no inline rules");
        }
        assert.equal(run.deployment.secretsManagerEndpointId !== undefined, true);
    });

    test("egress: the database port and HTTPS to the endpoint's group; the endpoint admits HTTPS from the function only", async () => {
        assertDatabaseAndEndpointRules(run, "sg-0endpoint");
        assert.equal(await valueOf(run.deployment.secretsManagerEndpointId), "vpce-0created");
    });

    test("the account of the credentials is looked up (and compared with the secrets')", () => {
        assert.equal(run.mocks.calls.filter(c => c.token === "aws:index/getCallerIdentity:getCallerIdentity").length, 1);
        assert.equal(run.mocks.calls.filter(c => c.token === "aws:ec2/getVpcEndpoint:getVpcEndpoint").length, 0);
    });

    test("the function is the same zip with the TLS settings of the network mode", () => {
        const fn = run.mocks.one(T.fn).inputs;
        assert.equal(fn.runtime, "provided.al2023");
        assert.equal(fn.handler, "bootstrap");
        assert.deepEqual(fn.vpcConfig.securityGroupIds, ["sg-0lambda"]);
        assert.deepEqual(fn.environment.variables, { ESC_ROTATOR_TLS_MODE: "verify-full", ESC_ROTATOR_CA_BUNDLE: "/var/task/rds-ca-bundle.pem" });
    });
});

describe("Secrets Manager mode: master secrets, a customer key, a schedule", () => {
    let run: SecretsManagerRun;
    before(async () => {
        run = await runSecretsManagerProgram({
            ...secretsManagerConfig(zip),
            masterSecretArns: JSON.stringify([master, master]),
            secretsKmsKeyArn: kmsKeyArn,
            secretRotationSchedule: "cron(0  4 ? * SUN *)",
        });
    });

    test("the master secrets may be read, nothing more", () => {
        assert.deepEqual(statement(run, "ReadMasterSecrets"),
            { Sid: "ReadMasterSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [master] });
        assert.ok(!statement(run, "RotateTheseSecretsOnly").Resource.includes(master), "a master secret is never written");
    });

    test("the customer key decrypts and generates data keys through this region's Secrets Manager only", () => {
        assert.deepEqual(statement(run, "SecretsKeyThroughSecretsManagerOnly"), {
            Sid: "SecretsKeyThroughSecretsManagerOnly",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: kmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-west-2.amazonaws.com" } },
        });
    });

    test("the schedule reaches every rotation, normalised", () => {
        for (const r of run.mocks.ofType(T.rotation)) {
            assert.deepEqual(r.inputs.rotationRules, { scheduleExpression: "cron(0 4 ? * SUN *)" });
        }
    });

    test("the China partition's key is used through its own Secrets Manager host name", () => {
        const [kms] = secretsManagerPermissions({ partition: "aws-cn", region: "cn-north-1", secretArns: ["x"], masterSecretArns: [], kmsKeyArn: "k" })
            .filter(s => s.Sid === "SecretsKeyThroughSecretsManagerOnly");
        assert.deepEqual(kms.Condition, { StringEquals: { "kms:ViaService": "secretsmanager.cn-north-1.amazonaws.com.cn" } });
    });
});

describe("Secrets Manager mode: an existing endpoint by id", () => {
    let run: SecretsManagerRun;
    before(async () => {
        run = await runSecretsManagerProgram({ ...secretsManagerConfig(zip), secretsManagerEndpointId: existingEndpointId }, {
            vpcEndpoints: {
                [existingEndpointId]: {
                    serviceName: "com.amazonaws.us-west-2.secretsmanager", vpcId: "vpc-0rds", privateDnsEnabled: true,
                    vpcEndpointType: "Interface", securityGroupIds: ["sg-0shared", "sg-0other"],
                },
            },
        });
    });

    test("creates no endpoint or group, looks the endpoint up, and opens HTTPS between the function and its first group only", async () => {
        assert.equal(run.mocks.ofType(T.endpoint).length, 0);
        assert.equal(run.mocks.ofType(T.sg).length, 1);
        const lookup = run.mocks.calls.filter(c => c.token === "aws:ec2/getVpcEndpoint:getVpcEndpoint");
        assert.deepEqual(lookup.map(c => c.inputs.id), [existingEndpointId]);
        assertDatabaseAndEndpointRules(run, "sg-0shared");
        assert.equal(await valueOf(run.deployment.secretsManagerEndpointId), existingEndpointId);
    });
});

describe("mistakes only the cloud reveals stop the update before any resource", () => {
    function runScenario(scenario: string): { failures: string[]; resources: number } {
        const script = path.join(__dirname, "fixtures", "applyFailure.js");
        const child = spawnSync(process.execPath, [script, scenario, zip], { encoding: "utf8", timeout: 60_000 });
        assert.ok(child.stdout.startsWith("{"), `no report from the scenario: ${child.stderr}`);
        return JSON.parse(child.stdout.split("\n")[0]);
    }

    test("credentials of another account than the secrets'", () => {
        const result = runScenario("sm-credentials-of-another-account");
        assert.ok(result.failures.some(m => /secretArns are in account 123456789012 but this stack deploys with credentials of account 210987654321/.test(m)),
            JSON.stringify(result.failures));
        assert.equal(result.resources, 0);
    });

    test("an endpoint id of another VPC", () => {
        const result = runScenario("sm-endpoint-in-another-vpc");
        assert.ok(result.failures.some(m => /vpce-0aaaabbbbcccc1111 is in vpc-0elsewhere but the function runs in vpc-0rds/.test(m)), JSON.stringify(result.failures));
        assert.equal(result.resources, 0);
    });

    test("an endpoint id with private DNS off", () => {
        const result = runScenario("sm-endpoint-without-private-dns");
        assert.ok(result.failures.some(m => /has private DNS off/.test(m)), JSON.stringify(result.failures));
        assert.equal(result.resources, 0);
    });

    test("an endpoint id of another service", () => {
        const result = runScenario("sm-endpoint-of-another-service");
        assert.ok(result.failures.some(m => /for com.amazonaws.us-west-2.kms, not the com.amazonaws.us-west-2.secretsmanager interface endpoint/.test(m)),
            JSON.stringify(result.failures));
        assert.equal(result.resources, 0);
    });

    test("the checks themselves", () => {
        assert.doesNotThrow(() => checkAccount(account, account));
        const good = { id: "vpce-1", serviceName: "com.amazonaws.us-west-2.secretsmanager", vpcId: "vpc-1", privateDnsEnabled: true, vpcEndpointType: "Interface", securityGroupIds: ["sg-1"] };
        assert.equal(checkEndpoint(good, "us-west-2", "vpc-1"), "sg-1");
        assert.throws(() => checkEndpoint({ ...good, vpcEndpointType: "Gateway" }, "us-west-2", "vpc-1"), /is a Gateway endpoint/);
        assert.throws(() => checkEndpoint(good, "eu-west-1", "vpc-1"), /not the com.amazonaws.eu-west-1.secretsmanager interface endpoint/);
        assert.throws(() => checkEndpoint({ ...good, securityGroupIds: [] }, "us-west-2", "vpc-1"), /has no security group/);
    });
});

describe("bad Secrets Manager configurations fail before any resource, naming the key", () => {
    function read(overrides: Record<string, string | undefined>, region: string | undefined = "us-west-2") {
        const config: Record<string, string | undefined> = { ...secretsManagerConfig("bootstrap.zip"), ...overrides };
        return readSecretsManagerSettings({ get: key => config[key] }, region, "/srv/deploy");
    }
    function rejects(overrides: Record<string, string | undefined>, message: RegExp, region?: string): void {
        assert.throws(() => read(overrides, ...(region === undefined ? [] : [region])), (err: unknown) => {
            assert.ok(err instanceof ConfigurationError, `expected a ConfigurationError, got ${String(err)}`);
            assert.match(err.message, message);
            return true;
        });
    }
    const list = (...arns: string[]) => JSON.stringify(arns);

    test("a valid configuration reads the documented defaults", () => {
        const s = read({});
        assert.deepEqual({ region: s.region, account: s.account, partition: s.partition, secrets: s.secretArns, masters: s.masterSecretArns,
            key: s.kmsKeyArn, schedule: s.scheduleExpression, endpoint: s.endpoint }, {
            region: "us-west-2", account, partition: "aws", secrets: [app, reporting], masters: [], key: undefined,
            schedule: "rate(30 days)", endpoint: { create: true } });
        assert.deepEqual(read({ createSecretsManagerEndpoint: "false", secretsManagerEndpointId: existingEndpointId }).endpoint,
            { create: false, id: existingEndpointId });
        assert.equal(read({ secretRotationSchedule: "rate(4 hours)" }).scheduleExpression, "rate(4 hours)");
        assert.equal(read({ secretRotationSchedule: "rate(1 day)" }).scheduleExpression, "rate(1 day)");
    });
    test("the Secrets Manager mode with no secrets", () => {
        rejects({ secretArns: undefined }, /mode secretsManager needs the secrets to rotate: `pulumi config set --path 'secretArns\[0\]'/);
        rejects({ secretArns: "[]" }, /mode secretsManager needs the secrets to rotate/);
    });
    test("a malformed secret ARN", () => {
        rejects({ secretArns: list("orders/app") }, /secretArns: "orders\/app" is not a secret ARN: give the full ARN/);
        rejects({ secretArns: list("arn:aws:secretsmanager:us-west-2:123456789012:secret:orders/app") }, /is not a secret ARN.*-<6 characters>/);
        rejects({ secretArns: list("arn:aws:s3:::bucket") }, /secretArns: "arn:aws:s3:::bucket" is not a secret ARN/);
        rejects({ secretArns: "[1, 2]" }, /secretArns must be a list of strings/);
    });
    test("a secret in another region than the stack", () => {
        rejects({ secretArns: list(app, secretArn("orders/eu", "eu-west-1")) },
            /secretArns: arn:aws:secretsmanager:eu-west-1:.* is in eu-west-1 but the stack deploys to us-west-2 \(aws:region\)/);
    });
    test("secrets in two accounts", () => {
        rejects({ secretArns: list(app, secretArn("orders/other", "us-west-2", "210987654321")) },
            /is in account 210987654321 but .* is in 123456789012; all secrets must be in the stack's account/);
    });
    test("the same secret twice", () => {
        rejects({ secretArns: list(app, app) }, /secretArns lists .*orders\/app-AbC123 more than once/);
    });
    test("no aws:region", () => {
        rejects({}, /mode secretsManager needs aws:region/, "");
    });
    test("a malformed or misplaced master secret", () => {
        rejects({ masterSecretArns: list("master") }, /masterSecretArns: "master" is not a secret ARN/);
        rejects({ masterSecretArns: list(secretArn("m", "eu-west-1")) }, /masterSecretArns: .* is in eu-west-1 but the stack deploys to us-west-2/);
        rejects({ masterSecretArns: list(app) }, /is in both secretArns and masterSecretArns/);
    });
    test("a malformed KMS key ARN, an alias, or a key of another region", () => {
        rejects({ secretsKmsKeyArn: "0123abcd-0123-4567-89ab-0123456789ab" }, /secretsKmsKeyArn: "0123abcd-.*" is not a KMS key ARN/);
        rejects({ secretsKmsKeyArn: "arn:aws:kms:us-west-2:123456789012:alias/secrets" }, /is not a KMS key ARN .*an alias cannot be granted kms:Decrypt/);
        rejects({ secretsKmsKeyArn: kmsKeyArn.replace("us-west-2", "eu-west-1") }, /secretsKmsKeyArn .* is in eu-west-1 but the secrets are in us-west-2/);
    });
    test("both create and take-by-id for the endpoint", () => {
        rejects({ createSecretsManagerEndpoint: "true", secretsManagerEndpointId: existingEndpointId },
            /set either createSecretsManagerEndpoint: true .* or secretsManagerEndpointId .*, not both/);
    });
    test("no endpoint at all", () => {
        rejects({ createSecretsManagerEndpoint: "false" }, /createSecretsManagerEndpoint: false needs secretsManagerEndpointId/);
    });
    test("an endpoint id that is not one", () => {
        rejects({ secretsManagerEndpointId: "sg-0123abcd" }, /secretsManagerEndpointId must be a VPC endpoint ID \(vpce-...\), got "sg-0123abcd"/);
    });
    test("a schedule Secrets Manager does not read", () => {
        for (const schedule of ["rate(2 hours)", "rate(0 days)", "rate(1001 days)", "cron(0 4 * * 1)", "0 4 * * 1", "every day"]) {
            rejects({ secretRotationSchedule: schedule }, /secretRotationSchedule must be rate\(<1-1000> days\), rate\(<4-24> hours\) or cron\(<six fields>\)/);
        }
    });
    test("ESC mode keys in the Secrets Manager mode", () => {
        rejects({ rotateUsers: JSON.stringify({ username1: "a", username2: "b" }), rotationSchedule: "0 3 * * 1" },
            /rotateUsers, rotationSchedule only apply with mode: esc/);
    });
    test("the network and TLS checks of the ESC mode apply too", () => {
        rejects({ rdsInstanceIdentifier: "billing" }, /more than one network mode configured/);
        rejects({ engine: undefined }, /engine is required/);
        rejects({ rdsCaBundle: "false", tlsMode: "verify-full" }, /tlsMode verify-full checks the server certificate against a CA bundle/);
    });
    test("an unknown mode", () => {
        rejects({ mode: "ssm" }, /mode must be one of esc, secretsManager, got "ssm"/);
    });
    test("Secrets Manager keys in the ESC mode", () => {
        const config: Record<string, string | undefined> = { ...baseConfig("bootstrap.zip"), secretArns: list(app) };
        assert.throws(() => readSettings({ get: key => config[key] }, organization, "/srv/deploy"),
            /secretArns only apply with mode: secretsManager/);
    });
});

describe("index.ts in the Secrets Manager mode", () => {
    const indexModule = path.join(__dirname, "..", "index.js");
    function load(values: Record<string, string>): any {
        const all: Record<string, string> = {};
        for (const [key, value] of Object.entries(values)) {
            all[key.includes(":") ? key : `${project}:${key}`] = value;
        }
        pulumi.runtime.setAllConfig(all);
        delete require.cache[require.resolve(indexModule)];
        return require(indexModule);
    }

    test("reads aws:region and exports the function, the endpoint and the rotated secrets, no ESC outputs", async () => {
        const mocks = new RecordingMocks();
        await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
        const outputs = load({ ...secretsManagerConfig(zip), "aws:region": "us-west-2" });
        assert.equal(await valueOf(outputs.functionArn), "arn:aws:lambda:us-west-2:123456789012:function:esc-rotator-fn");
        assert.equal(await valueOf(outputs.secretsManagerEndpointId), "vpce-0created");
        assert.deepEqual(outputs.rotatedSecretArns, [app, reporting]);
        for (const esc of ["invocationRoleArn", "managingCredsEnvironment", "rotatedSecretsEnvironment", "rotateCommand", "adapterUrl"]) {
            assert.equal(outputs[esc], undefined, esc);
        }
        await new Promise(resolve => setTimeout(resolve, 200));
        assert.equal(mocks.ofType(T.rotation).length, 2);
        assert.equal(mocks.ofType("pulumiservice:index:Environment").length, 0);
    });

    test("a managing password in the Secrets Manager mode is refused before any resource", async () => {
        const mocks = new RecordingMocks();
        await pulumi.runtime.setMocks(mocks, project, stack, false, organization);
        assert.throws(() => load({ ...secretsManagerConfig(zip), "aws:region": "us-west-2", managingPassword: "x" }),
            /managingPassword only applies with mode: esc/);
        await new Promise(resolve => setTimeout(resolve, 50));
        assert.equal(mocks.resources.length, 0);
        assert.equal(mocks.calls.length, 0);
    });
});
