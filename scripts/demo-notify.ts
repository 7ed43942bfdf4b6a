// The demo's paging receiver: config/fleet.yaml sends notifications to http://127.0.0.1:4180,
// where a local receiver implementing the Slack, PagerDuty Events v2 and signed-webhook contracts
// accepts them and lists them on its page, so paging can be seen working without any account.
import { randomBytes } from "node:crypto";
import { NotifyReceiver } from "../lib/testing/notify-receiver";

// Not 4190: that is ManageSieve's port, which the Fetch standard's "bad port" list makes fetch()
// refuse to connect to, so every notification failed with "fetch failed".
export const DEMO_NOTIFY_PORT = 4180;

export function prepareDemoNotify(env: NodeJS.ProcessEnv) {
  // PagerDuty routing keys are 32 characters; the receiver accepts only this one.
  env.DEMO_PAGERDUTY_ROUTING_KEY ||= randomBytes(16).toString("hex");
  env.DEMO_WEBHOOK_SECRET ||= randomBytes(24).toString("base64url");
  return {
    async start(): Promise<NotifyReceiver | null> {
      try {
        return await new NotifyReceiver({
          port: DEMO_NOTIFY_PORT,
          pagerdutyRoutingKey: env.DEMO_PAGERDUTY_ROUTING_KEY,
          webhookSecret: env.DEMO_WEBHOOK_SECRET,
        }).start();
      } catch (err) {
        console.warn(
          `The demo's notification receiver could not listen on port ${DEMO_NOTIFY_PORT} (${(err as Error).message}); notifications will be retried and listed as failing on the deliveries screen.`,
        );
        return null;
      }
    },
  };
}
