// The role Pulumi Cloud assumes: organisation AND environment bound, invoke-only.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
    escDefaultSubject,
    invocationPermissions,
    invocationTrustPolicy,
    oidcAudience,
    oidcConditionPrefix,
    oidcSubject,
} from "../src/policies";

const providerArn = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc";
const rotator = { project: "databases", name: "orders" };
const managing = { project: "databases", name: "ordersManagingCreds" };

describe("trust policy", () => {
    test("admits only the login's environment of this organisation, the one subject ESC sends", () => {
        const policy = invocationTrustPolicy(providerArn, "https://api.pulumi.com", "acme", managing, ["aws:acme"]);
        assert.equal(policy.Statement.length, 1);
        const statement = policy.Statement[0];
        assert.equal(statement.Effect, "Allow");
        assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepEqual(statement.Principal, { Federated: providerArn });
        assert.deepEqual(statement.Condition, {
            StringEquals: {
                "api.pulumi.com/oidc:aud": ["aws:acme"],
                "api.pulumi.com/oidc:sub": [
                    "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:databases/ordersManagingCreds",
                ],
            },
        });
        const text = JSON.stringify(policy);
        assert.doesNotMatch(text, /\*/, "no wildcard may appear in the trust policy");
        assert.doesNotMatch(text, /StringLike/);
        assert.doesNotMatch(text, /currentEnvironment\.name:databases\/orders"/, "the rotator environment never defines the login");
    });

    test("the default project uses the bare organisation as audience and no project in the subject", () => {
        const legacy = { project: "default", name: "dbadmin" };
        assert.equal(oidcAudience("acme", legacy), "acme");
        assert.equal(oidcSubject("acme", legacy), "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:dbadmin");
        const policy = invocationTrustPolicy(providerArn, "https://api.pulumi.com", "acme", legacy, ["acme", "aws:acme", "acme"]);
        assert.deepEqual(policy.Statement[0].Condition?.StringEquals["api.pulumi.com/oidc:aud"], ["acme", "aws:acme"]);
        assert.deepEqual(policy.Statement[0].Condition?.StringEquals["api.pulumi.com/oidc:sub"], [
            "pulumi:environments:pulumi.organization.login:acme:currentEnvironment.name:dbadmin",
        ]);
    });

    test("a self-hosted backend gets its own condition keys", () => {
        assert.equal(oidcConditionPrefix("https://pulumi.example.com/"), "pulumi.example.com/oidc");
        const policy = invocationTrustPolicy(providerArn, "https://pulumi.example.com", "acme", rotator, ["aws:acme"]);
        assert.ok("pulumi.example.com/oidc:sub" in (policy.Statement[0].Condition?.StringEquals ?? {}));
    });
});

describe("permissions", () => {
    test("invoke and read this one function, nothing else", () => {
        const arn = "arn:aws:lambda:us-west-2:123456789012:function:rotator";
        const policy = invocationPermissions(arn);
        assert.equal(policy.Statement.length, 1);
        assert.deepEqual(policy.Statement[0].Action, ["lambda:InvokeFunction", "lambda:GetFunction"]);
        assert.equal(policy.Statement[0].Resource, arn);
        assert.equal(policy.Statement[0].Effect, "Allow");
        assert.doesNotMatch(JSON.stringify(policy), /UpdateFunctionCode|s3:|\*/);
    });

    test("the adapter's allowed subject is ESC's default subject of the rotator environment", () => {
        assert.equal(escDefaultSubject("acme", rotator), "pulumi:environments:org:acme:env:databases/orders");
        assert.equal(escDefaultSubject("acme", { project: "default", name: "db" }), "pulumi:environments:org:acme:env:db");
    });
});
