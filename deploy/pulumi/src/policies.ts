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

/**
 * Trust policy: only tokens for this organization (aud) AND with the subject of the environment that defines the
 * `aws-login` block (sub). ESC's OIDC guide ("Custom token claim") says `currentEnvironment.name` is the environment
 * where the login provider and its `subjectAttributes` are defined, and that it resolves to the environment in
 * which it is defined also when another environment opens it. The rotator environment reaches the login through
 * `${environments.<project>.<name>.awsLogin}`, so the only subject ESC sends is the managing-credentials
 * environment's. `audiences` are the organization's audiences (`aws:<org>`, or `<org>` for the legacy `default`
 * project).
 */
export function invocationTrustPolicy(
    providerArn: string,
    backendUrl: string,
    organization: string,
    loginEnvironment: EnvironmentName,
    audiences: string[],
): PolicyDocument {
    const prefix = oidcConditionPrefix(backendUrl);
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "PulumiEscLoginEnvironmentOnly",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${prefix}:aud`]: [...new Set(audiences)],
                    [`${prefix}:sub`]: [oidcSubject(organization, loginEnvironment)],
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

/** What the execution role needs in the Secrets Manager mode; see secretsManagerPermissions. */
export interface SecretsManagerAccess {
    partition: string;
    region: string;
    secretArns: string[];
    masterSecretArns: string[];
    kmsKeyArn?: string;
}

/** The DNS name of Secrets Manager in a region, as `kms:ViaService` names it. */
export function secretsManagerServiceHost(partition: string, region: string): string {
    return `secretsmanager.${region}.${partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/**
 * The rotation function's Secrets Manager permissions: the four secret operations of the four steps on the
 * rotated secrets only, reading (never writing) their master secrets, and GetRandomPassword, which acts on no
 * resource. A customer key is used through Secrets Manager only.
 */
export function secretsManagerPermissions(access: SecretsManagerAccess): PolicyStatement[] {
    const statements: PolicyStatement[] = [{
        Sid: "RotateTheseSecretsOnly",
        Effect: "Allow",
        Action: [
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ],
        Resource: [...access.secretArns],
    }];
    if (access.masterSecretArns.length > 0) {
        statements.push({
            Sid: "ReadMasterSecrets",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: [...access.masterSecretArns],
        });
    }
    // GetRandomPassword has no resource type: IAM accepts only "*" for it.
    statements.push({
        Sid: "GenerateRandomPassword",
        Effect: "Allow",
        Action: "secretsmanager:GetRandomPassword",
        Resource: "*",
    });
    if (access.kmsKeyArn !== undefined) {
        statements.push({
            Sid: "SecretsKeyThroughSecretsManagerOnly",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: access.kmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": secretsManagerServiceHost(access.partition, access.region) } },
        });
    }
    return statements;
}
