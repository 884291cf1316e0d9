// IAM documents for the role Pulumi Cloud assumes through OIDC. Kept as pure functions so tests can read
// them without the Pulumi engine, and so the program and the docs describe one set of conditions.
import { EnvironmentName } from "./settings";

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** The OIDC issuer URL Pulumi Cloud signs ESC tokens with: `<backendUrl>/oidc`. */
export function oidcIssuerUrl(backendUrl: string): string {
    return `${backendUrl.replace(/\/+$/, "")}/oidc`;
}

/** IAM condition keys for a web identity provider are its URL without the scheme. */
export function oidcConditionPrefix(backendUrl: string): string {
    return oidcIssuerUrl(backendUrl).replace(/^https:\/\//, "");
}

/**
 * The `aud` ESC puts into AWS login tokens: `aws:<org>`, or the bare organization name for environments in
 * the legacy `default` project.
 */
export function oidcAudience(organization: string, env: EnvironmentName): string {
    return env.project === "default" ? organization : `aws:${organization}`;
}

/**
 * The `sub` of an AWS login token when the login block asks for `subjectAttributes: [currentEnvironment.name]`.
 * Environments in the `default` project are named without the project.
 */
export function oidcSubject(organization: string, env: EnvironmentName): string {
    const name = env.project === "default" ? env.name : `${env.project}/${env.name}`;
    return `pulumi:environments:pulumi.organization.login:${organization}:currentEnvironment.name:${name}`;
}

/** ESC's default subject, which `fn::rotate::external` tokens carry. */
export function escDefaultSubject(organization: string, env: EnvironmentName): string {
    const name = env.project === "default" ? env.name : `${env.project}/${env.name}`;
    return `pulumi:environments:org:${organization}:env:${name}`;
}

function unique(values: string[]): string[] {
    return [...new Set(values)];
}

/**
 * Trust policy: only tokens for this organization (aud) AND for one of the given environments (sub).
 * Both environments are admitted because which of them ESC reports as current when the rotator environment
 * reaches the login through a reference is not documented.
 */
export function invocationTrustPolicy(
    providerArn: string,
    backendUrl: string,
    organization: string,
    environments: EnvironmentName[],
): PolicyDocument {
    const prefix = oidcConditionPrefix(backendUrl);
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "PulumiEscEnvironmentsOnly",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${prefix}:aud`]: unique(environments.map(e => oidcAudience(organization, e))),
                    [`${prefix}:sub`]: unique(environments.map(e => oidcSubject(organization, e))),
                },
            },
        }],
    };
}

/** What the assumed role may do: invoke this one function and read its configuration. Nothing else. */
export function invocationPermissions(functionArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "InvokeTheRotatorOnly",
            Effect: "Allow",
            Action: ["lambda:InvokeFunction", "lambda:GetFunction"],
            Resource: functionArn,
        }],
    };
}

/** The function's own role: write to its log group and manage its VPC network interfaces. */
export function executionPermissions(logGroupArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "WriteOwnLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${logGroupArn}:*`,
            },
            {
                // Lambda creates the VPC network interfaces with the function's role; EC2 does not support
                // resource-level permissions for these describe/create calls.
                Sid: "VpcNetworkInterfaces",
                Effect: "Allow",
                Action: [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                Resource: "*",
            },
        ],
    };
}

export function lambdaAssumeRolePolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Service: "lambda.amazonaws.com" },
            Action: "sts:AssumeRole",
        }],
    };
}
