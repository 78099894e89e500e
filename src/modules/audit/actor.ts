/**
 * Who did something, as the audit log records it: an operator (their partner id and email), the
 * API token, the CLI, or the system. Every domain takes one for the changes it audits.
 */
export interface Actor {
  /** The signed-in person's partner id; null for the API token, the CLI and the system. */
  id: string | null;
  label: string;
}
