/** Raised when the emulator rejects the stack; the message carries moto's reason. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
}

/** SDK errors on moto's non-AWS error pages hide the body; dig it out so the reason reaches the user. */
export function describeSdkError(error: unknown): string {
  const e = error as { message?: string; $response?: { body?: unknown }; $responseBodyText?: string };
  const body = e.$responseBodyText ?? (typeof e.$response?.body === 'string' ? e.$response.body : undefined);
  const reason = body?.match(/<Message>([\s\S]*?)<\/Message>/)?.[1] ?? body?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 500);
  return reason ? `${reason}` : (e.message ?? String(error));
}
