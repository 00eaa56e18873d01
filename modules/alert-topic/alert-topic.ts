import { Construct } from "constructs";
import { Fn, IResolvable, Op, Token } from "cdktf";
// Provider docs: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { DataAwsSnsTopic } from "@cdktf/provider-aws/lib/data-aws-sns-topic";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { accountAdministersKey, countWhen, isEmpty, isNonEmpty, oneOf, splat } from "../core/index.js";
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
  /**
   * Name of an existing SNS topic to notify instead ("" when unset, usually a variable). When it is non-empty the
   * module creates nothing (no topic, key or subscription) and looks the topic up; a Terraform token decides at plan
   * time. Its owner must let CloudWatch publish: an unencrypted topic, or one whose customer managed key allows
   * cloudwatch.amazonaws.com (the AWS managed `aws/sns` key cannot).
   * @default - create the topic when email is given
   */
  readonly existingTopicName?: string;
}

/**
 * An encrypted SNS topic with an e-mail subscription, created only when an address is given. The key is a
 * customer managed KMS key (about $1/month) because CloudWatch alarms cannot publish to a topic encrypted
 * with the AWS managed `aws/sns` key: its policy cannot grant cloudwatch.amazonaws.com.
 */
export class AlertTopic extends Construct {
  /** Terraform boolean: whether the topic exists. */
  readonly enabled: IResolvable;
  /** ARNs to use as alarm actions: the created or the existing topic, empty when there is none. */
  readonly topicArns: string[];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const existing = props.existingTopicName;
    // Without existingTopicName the expression stays `length(email) >= 1`, as deployed stacks have it.
    this.enabled = existing === undefined ? isNonEmpty(props.email) : Op.and(isEmpty(existing), isNonEmpty(props.email));
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
    if (existing !== undefined) {
      const found = new DataAwsSnsTopic(this, "Existing", { name: existing });
      found.count = countWhen(isNonEmpty(existing));
      this.topicArns = Token.asList(Fn.concat([splat(topic, "arn"), splat(found, "arn")]));
    }
    CostEstimate.of(this).add({
      key: costKey(this, "key"),
      usd: Token.asNumber(Fn.conditional(this.enabled, KMS_KEY_USD_PER_MONTH, 0)),
      description: "KMS key of the alert topic (only with an e-mail address)",
    });
  }
}
