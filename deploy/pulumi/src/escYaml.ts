// The ESC environment definitions this program writes. Built as objects and serialized with the `yaml`
// package, so names and values are quoted correctly whatever they contain.
import { stringify } from "yaml";
import { Engine, EnvironmentName } from "./settings";

/** A placeholder the user replaces in the ESC editor; `fn::secret` makes ESC encrypt whatever replaces it. */
export const managingPasswordPlaceholder = "REPLACE-WITH-THE-MANAGING-USER-PASSWORD";

export interface ManagingCredsInput {
    managingUsername: string;
    /** The password, or undefined to write the placeholder. */
    managingPassword?: string;
    roleArn: string;
}

export interface DatabaseInput {
    engine: Engine;
    host: string;
    port: number;
    /** Unset (MySQL only): the environment says `database: ""`, no default database. */
    dbName?: string;
    rotateUsers: { username1: string; username2: string };
}

/** `${environments.<project>.<name>.<path>}`, with bracket quoting where a name is not a plain identifier. */
export function environmentReference(env: EnvironmentName, propertyPath: string): string {
    const segment = (s: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`);
    return "${environments" + segment(env.project) + segment(env.name) + "." + propertyPath + "}";
}

export function managingCredsYaml(input: ManagingCredsInput): string {
    return stringify({
        values: {
            managingUser: {
                username: input.managingUsername,
                password: { "fn::secret": input.managingPassword ?? managingPasswordPlaceholder },
            },
            awsLogin: {
                "fn::open::aws-login": {
                    oidc: {
                        duration: "1h",
                        roleArn: input.roleArn,
                        sessionName: "esc-rotator",
                        // Makes the token's subject name this environment, which the role's trust policy requires.
                        subjectAttributes: ["currentEnvironment.name"],
                    },
                },
            },
        },
    });
}

function databaseBlock(db: DatabaseInput, managing: EnvironmentName): Record<string, unknown> {
    return {
        host: db.host,
        port: db.port,
        // ESC's rotator schemas require `database` for both engines; the rotator reads "" as no default database.
        database: db.dbName ?? "",
        managingUser: environmentReference(managing, "managingUser"),
    };
}

/** The rotator environment for ESC's built-in `fn::rotate::mysql|postgres` through the Lambda connector. */
export function connectorRotatorYaml(db: DatabaseInput, managing: EnvironmentName, lambdaArn: string): string {
    return stringify({
        values: {
            dbRotator: {
                [`fn::rotate::${db.engine}`]: {
                    inputs: {
                        database: {
                            connector: {
                                awsLambda: {
                                    login: environmentReference(managing, "awsLogin"),
                                    lambdaArn,
                                },
                            },
                            ...databaseBlock(db, managing),
                        },
                        rotateUsers: { ...db.rotateUsers },
                    },
                },
            },
        },
    });
}

/** The rotator environment for `fn::rotate::external` through this project's HTTPS adapter. */
export function externalRotatorYaml(db: DatabaseInput, managing: EnvironmentName, adapterUrl: string): string {
    return stringify({
        values: {
            dbRotator: {
                "fn::rotate::external": {
                    inputs: {
                        url: adapterUrl,
                        request: {
                            type: db.engine,
                            database: databaseBlock(db, managing),
                            rotateUsers: { ...db.rotateUsers },
                        },
                    },
                },
            },
        },
    });
}
