/**
 * Secrets are read at run time from SSM Parameter Store (SecureString, free) and cached, so
 * they never sit in Lambda environment variables, state in plain text, or logs.
 */
import { GetParameterCommand, ParameterNotFound, type SSMClient } from "@aws-sdk/client-ssm";

/** The IAM action of the read below, on the parameter. */
export const READ_SECRET_ACTION = "ssm:GetParameter";

export class CachedParameter {
  private value?: { text: string | undefined; fetchedAt: number };

  constructor(
    private readonly ssm: SSMClient,
    private readonly name: string,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The decrypted value, or undefined when the parameter does not exist (not configured). */
  async get(): Promise<string | undefined> {
    if (this.value && this.now() - this.value.fetchedAt < this.ttlMs) return this.value.text;
    let text: string | undefined;
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: this.name, WithDecryption: true }));
      text = out.Parameter?.Value;
    } catch (err) {
      if (!(err instanceof ParameterNotFound)) throw err;
      text = undefined;
    }
    this.value = { text, fetchedAt: this.now() };
    return text;
  }
}
