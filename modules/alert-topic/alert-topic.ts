import { Construct } from "constructs";
import { Fn, IResolvable, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, countWhen, isNonEmpty, oneOf, splat } from "../core/index.js";
import { CostEstimate, costKey, KMS_KEY_USD_PER_MONTH } from "../cost-estimate/index.js";

export interface AlertTopicProps {
  /** Topic name (unique in the account and region). */
  readonly name: string;
  /** Partition and account for the key policy. */
  readonly partition: string;
  readonly accountId: string;
  /**
   * E-mail address subscribed to the topic; "" creates nothing (no topic, no key).
   * The recipient must confirm the subscription from the e-mail AWS sends.
   */
  readonly email: string;
}

/**
 * An encrypted SNS topic with an e-mail subscription, created only when an address is given. The key is a
 * customer managed KMS key (about $1/month) because CloudWatch alarms cannot publish to a topic encrypted
 * with the AWS managed `aws/sns` key: its policy cannot grant cloudwatch.amazonaws.com.
 */
export class AlertTopic extends Construct {
  /** Terraform boolean: whether the topic exists. */
  readonly enabled: IResolvable;
  /** ARNs to use as alarm actions: empty when there is no topic. */
  readonly topicArns: string[];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.enabled = isNonEmpty(props.email);
    const count = countWhen(this.enabled);

    const key = new KmsKey(this, "Key", {
      description: `Encrypts SNS topic ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          accountAdministersKey(props.partition, props.accountId),
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
          },
        ],
      }),
    });
    key.count = count;

    const topic = new SnsTopic(this, "Resource", {
      name: props.name,
      kmsMasterKeyId: oneOf(key, "arn"),
    });
    topic.count = count;

    const subscription = new SnsTopicSubscription(this, "Email", {
      topicArn: oneOf(topic, "arn"),
      protocol: "email",
      endpoint: props.email,
    });
    subscription.count = count;

    this.topicArns = splat(topic, "arn");
    CostEstimate.of(this).add({
      key: costKey(this, "key"),
      usd: Token.asNumber(Fn.conditional(this.enabled, KMS_KEY_USD_PER_MONTH, 0)),
      description: "KMS key of the alert topic (only with an e-mail address)",
    });
  }
}
