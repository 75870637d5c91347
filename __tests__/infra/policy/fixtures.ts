/**
 * One failing and one passing synthesized-Terraform fixture per rule (resource blocks as
 * `toTerraform()` writes them). The rule test evaluates each against the whole pack.
 */
type Blocks = Record<string, Record<string, Record<string, unknown>>>;

export interface RuleFixture {
  /** Each entry must produce a finding of the rule. */
  readonly fail: readonly Blocks[];
  /** Must produce no finding of the rule. */
  readonly pass: Blocks | readonly Blocks[];
}

const KEY: Blocks = { aws_kms_key: { k: { enable_key_rotation: true } } };
const KMS = '${aws_kms_key.k.arn}';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[], extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const tlsDeny = (Action: string) => ({
  Effect: 'Deny',
  Principal: '*',
  Action,
  Resource: '*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
const rolePolicy = (statement: object): Blocks => ({ aws_iam_role_policy: { p: { role: 'r', policy: doc(statement) } } });
const trust = (statement: object): Blocks => ({ aws_iam_role: { r: { assume_role_policy: doc(statement) } } });
const task = (container: object, extra: object = {}): Blocks => ({
  aws_ecs_task_definition: {
    t: {
      family: 't',
      network_mode: 'awsvpc',
      task_role_arn: 'arn:aws:iam::123456789012:role/task',
      execution_role_arn: 'arn:aws:iam::123456789012:role/exec',
      container_definitions: JSON.stringify([
        {
          name: 'app',
          image: 'app:1',
          user: '65532:65532',
          readonlyRootFilesystem: true,
          logConfiguration: { logDriver: 'awslogs' },
          environment: [{ name: 'LOG_LEVEL', value: 'info' }],
          ...container,
        },
      ]),
      ...extra,
    },
  },
});
const bucket = (extra: Blocks = {}): Blocks => ({ aws_s3_bucket: { b: { bucket: 'b' } }, ...extra });
const onBucket = (type: string, attrs: object): Blocks => ({ [type]: { x: { bucket: '${aws_s3_bucket.b.id}', ...attrs } } });
const cache = (attrs: object): Blocks => ({ aws_elasticache_replication_group: { c: { replication_group_id: 'cache', ...attrs } } });
const cluster = (attrs: object): Blocks => ({ aws_rds_cluster: { c: { cluster_identifier: 'db', engine: 'aurora-postgresql', ...attrs } } });
const instance = (attrs: object): Blocks => ({ aws_rds_cluster_instance: { i: { cluster_identifier: '${aws_rds_cluster.c.cluster_identifier}', ...attrs } } });
const lb = (attrs: object = {}): Blocks => ({ aws_lb: { a: { load_balancer_type: 'application', ...attrs } } });
const listener = (attrs: object): Blocks => ({ aws_lb_listener: { l: { load_balancer_arn: '${aws_lb.a.arn}', ...attrs } } });
const distribution = (attrs: object): Blocks => ({
  aws_cloudfront_distribution: {
    d: { default_cache_behavior: { viewer_protocol_policy: 'redirect-to-https', target_origin_id: 'alb' }, ...attrs },
  },
});
const acl = (rule: object[], visibility = true): Blocks => ({
  aws_wafv2_web_acl: { w: { scope: 'REGIONAL', rule, visibility_config: { cloudwatch_metrics_enabled: visibility, metric_name: 'w' } } },
});
const managedRule = (name: string, metrics = true) => ({
  name,
  statement: { managed_rule_group_statement: { name, vendor_name: 'AWS' } },
  visibility_config: { cloudwatch_metrics_enabled: metrics, metric_name: name },
});
const alarm = (namespace: string, dimensions: object, extra: object = {}): Blocks => ({
  aws_cloudwatch_metric_alarm: { m: { namespace, metric_name: 'X', dimensions, alarm_actions: ['${aws_sns_topic.t.arn}'], ...extra } },
});

/** An alarm without actions of its own, for a composite alarm to speak for. */
const quietChild: Blocks = alarm('AWS/SQS', { QueueName: 'q' }, { alarm_name: 'child-alarm', alarm_actions: [] });

export const FIXTURES: Readonly<Record<string, RuleFixture>> = {
  'NET-01': {
    fail: [{ aws_vpc_security_group_ingress_rule: { r: { cidr_ipv4: '0.0.0.0/0', ip_protocol: 'tcp', from_port: 22, to_port: 22, description: 'ssh' } } }],
    pass: { aws_vpc_security_group_ingress_rule: { r: { cidr_ipv4: '10.0.0.0/16', ip_protocol: 'tcp', from_port: 22, to_port: 22, description: 'ssh' } } },
  },
  'NET-02': {
    fail: [{ aws_security_group: { s: { ingress: [{ cidr_blocks: ['0.0.0.0/0'], protocol: '-1', from_port: 0, to_port: 0, description: 'all' }] } } }],
    pass: { aws_security_group: { s: { ingress: [{ cidr_blocks: ['10.0.0.0/8'], protocol: '-1', from_port: 0, to_port: 0, description: 'vpc' }] } } },
  },
  'NET-03': {
    fail: [
      { aws_security_group_rule: { r: { type: 'ingress', cidr_blocks: ['0.0.0.0/0'], protocol: 'tcp', from_port: 443, to_port: 443, description: 'https' } } },
      { aws_vpc_security_group_ingress_rule: { r: { cidr_ipv6: '::/0', ip_protocol: 'tcp', from_port: 80, to_port: 80, description: 'http' } } },
    ],
    pass: { aws_security_group_rule: { r: { type: 'ingress', prefix_list_ids: ['pl-1'], protocol: 'tcp', from_port: 443, to_port: 443, description: 'cf' } } },
  },
  'NET-04': {
    fail: [{ aws_vpc_security_group_egress_rule: { r: { cidr_ipv4: '0.0.0.0/0', ip_protocol: '-1', description: 'all out' } } }],
    pass: { aws_vpc_security_group_egress_rule: { r: { cidr_ipv4: '0.0.0.0/0', ip_protocol: 'tcp', from_port: 443, to_port: 443, description: 'https' } } },
  },
  'NET-05': {
    fail: [{ aws_vpc_security_group_ingress_rule: { r: { referenced_security_group_id: 'sg-1', ip_protocol: 'tcp', from_port: 5432, to_port: 5432 } } }],
    pass: { aws_vpc_security_group_ingress_rule: { r: { referenced_security_group_id: 'sg-1', ip_protocol: 'tcp', from_port: 5432, to_port: 5432, description: 'app' } } },
  },
  'NET-06': {
    fail: [
      { aws_vpc: { v: { cidr_block: '10.0.0.0/16' } } },
      { aws_vpc: { v: { cidr_block: '10.0.0.0/16' } }, aws_default_security_group: { d: { vpc_id: '${aws_vpc.v.id}', ingress: [{ self: true, protocol: '-1', from_port: 0, to_port: 0 }] } } },
    ],
    pass: { aws_vpc: { v: { cidr_block: '10.0.0.0/16' } }, aws_default_security_group: { d: { vpc_id: '${aws_vpc.v.id}' } } },
  },
  'NET-07': {
    fail: [{ aws_vpc: { v: { cidr_block: '10.0.0.0/16' } } }],
    pass: { aws_vpc: { v: { cidr_block: '10.0.0.0/16' } }, aws_flow_log: { f: { vpc_id: '${aws_vpc.v.id}', traffic_type: 'ALL' } } },
  },
  'NET-08': { fail: [{ aws_subnet: { s: { map_public_ip_on_launch: true } } }], pass: { aws_subnet: { s: { map_public_ip_on_launch: false } } } },
  'NET-09': {
    fail: [{ aws_ecs_service: { s: { network_configuration: { assign_public_ip: true, subnets: ['a'] } } } }],
    pass: { aws_ecs_service: { s: { network_configuration: { assign_public_ip: false, subnets: ['a'] } } } },
  },
  'NET-10': { fail: [instance({ publicly_accessible: true })], pass: instance({ publicly_accessible: false }) },
  'NET-11': {
    fail: [{ aws_instance: { i: { associate_public_ip_address: true } } }, { aws_launch_template: { t: { network_interfaces: [{ associate_public_ip_address: 'true' }] } } }],
    pass: { aws_instance: { i: { associate_public_ip_address: false } } },
  },
  'IAM-01': { fail: [rolePolicy(allow('*', '*'))], pass: rolePolicy(allow('s3:GetObject', 'arn:aws:s3:::b/*')) },
  'IAM-02': {
    fail: [{ aws_iam_policy: { p: { policy: doc(allow('s3:*', 'arn:aws:s3:::b/*')) } } }, { aws_iam_role: { r: { inline_policy: [{ name: 'i', policy: doc(allow(['sqs:*'], 'arn:aws:sqs:::q')) }] } } }],
    pass: { aws_iam_policy: { p: { policy: doc(allow('s3:GetObject', 'arn:aws:s3:::b/*')) } } },
  },
  'IAM-03': { fail: [rolePolicy(allow('sqs:SendMessage', '*'))], pass: rolePolicy(allow('ecr:GetAuthorizationToken', '*')) },
  'IAM-04': {
    fail: [rolePolicy(allow('iam:PassRole', '*')), rolePolicy(allow('iam:Pass*', 'arn:aws:iam::123456789012:role/*'))],
    pass: rolePolicy(allow('iam:PassRole', 'arn:aws:iam::123456789012:role/app', { Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } })),
  },
  'IAM-05': {
    fail: [{ aws_iam_role_policy_attachment: { a: { role: 'r', policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } } }, { aws_iam_role: { r: { managed_policy_arns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } } }],
    pass: { aws_iam_role_policy_attachment: { a: { role: 'r', policy_arn: '${aws_iam_policy.p.arn}' } } },
  },
  'IAM-06': {
    fail: [{ aws_iam_role_policy_attachment: { a: { role: 'r', policy_arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' } } }],
    pass: { aws_iam_role_policy_attachment: { a: { role: 'r', policy_arn: '${aws_iam_policy.p.arn}' } } },
  },
  'IAM-07': {
    fail: [{ aws_iam_user_policy: { u: { user: 'ada', policy: doc(allow('s3:GetObject', 'arn:aws:s3:::b/*')) } } }, { aws_iam_policy_attachment: { a: { users: ['ada'], policy_arn: 'arn' } } }],
    pass: { aws_iam_group_policy: { g: { group: 'devs', policy: doc(allow('s3:GetObject', 'arn:aws:s3:::b/*')) } } },
  },
  'IAM-08': {
    fail: [trust({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }), trust({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' })],
    pass: trust({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }),
  },
  'IAM-09': {
    fail: [
      trust({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      { aws_kms_key: { k: { enable_key_rotation: true, policy: doc({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' }) } } },
      { aws_sns_topic_policy: { p: { arn: 'arn', policy: doc({ Effect: 'Allow', Principal: { Service: ['cloudwatch.amazonaws.com'] }, Action: 'sns:Publish', Resource: 'arn' }) } } },
    ],
    pass: trust({
      Effect: 'Allow',
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    }),
  },
  'IAM-10': {
    fail: [{ aws_sqs_queue_policy: { p: { queue_url: 'q', policy: doc({ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: 'q' }) } } }],
    pass: {
      aws_sqs_queue_policy: {
        p: { queue_url: 'q', policy: doc({ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: 'q', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:123456789012:t' } } }) },
      },
    },
  },
  'IAM-11': { fail: [rolePolicy(allow(['kms:Decrypt'], '*'))], pass: rolePolicy(allow(['kms:Decrypt'], KMS)) },
  'IAM-12': {
    fail: [
      trust({
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
      }),
    ],
    pass: trust({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/platform:*' },
      },
    }),
  },
  'ENC-01': { fail: [{ aws_kms_key: { k: { enable_key_rotation: false } } }], pass: KEY },
  'ENC-02': {
    fail: [{ aws_sqs_queue: { q: { name: 'q', sqs_managed_sse_enabled: true } } }, { aws_sqs_queue: { q: { name: 'q', kms_master_key_id: 'alias/aws/sqs' } } }],
    pass: { ...KEY, aws_sqs_queue: { q: { name: 'q', kms_master_key_id: KMS } } },
  },
  'ENC-03': { fail: [{ aws_sns_topic: { t: { name: 't' } } }], pass: { ...KEY, aws_sns_topic: { t: { name: 't', kms_master_key_id: KMS } } } },
  'ENC-04': {
    fail: [{ aws_dynamodb_table: { t: { name: 't', server_side_encryption: { enabled: true } } } }, { aws_dynamodb_table: { t: { name: 't' } } }],
    pass: { ...KEY, aws_dynamodb_table: { t: { name: 't', server_side_encryption: { enabled: true, kms_key_arn: KMS } } } },
  },
  'ENC-05': { fail: [cluster({ storage_encrypted: false }), cluster({ storage_encrypted: true })], pass: { ...KEY, ...cluster({ storage_encrypted: true, kms_key_id: KMS }) } },
  'ENC-06': {
    fail: [instance({ performance_insights_enabled: true })],
    pass: { ...KEY, ...instance({ performance_insights_enabled: true, performance_insights_kms_key_id: KMS }) },
  },
  'ENC-07': { fail: [cache({ at_rest_encryption_enabled: 'true' })], pass: { ...KEY, ...cache({ at_rest_encryption_enabled: 'true', kms_key_id: KMS }) } },
  'ENC-08': {
    fail: [{ aws_secretsmanager_secret: { s: { name: 's' } } }, cluster({ manage_master_user_password: true })],
    pass: { ...KEY, aws_secretsmanager_secret: { s: { name: 's', kms_key_id: KMS } }, ...cluster({ manage_master_user_password: true, master_user_secret_kms_key_id: KMS }) },
  },
  'ENC-09': {
    fail: [{ aws_ecr_repository: { r: { name: 'r' } } }, { aws_ecr_repository: { r: { name: 'r', encryption_configuration: [{ encryption_type: 'KMS' }] } } }],
    pass: { ...KEY, aws_ecr_repository: { r: { name: 'r', encryption_configuration: [{ encryption_type: 'KMS', kms_key: KMS }] } } },
  },
  'ENC-10': {
    fail: [{ aws_cloudwatch_log_group: { g: { name: '/g', retention_in_days: 30 } } }],
    pass: { ...KEY, aws_cloudwatch_log_group: { g: { name: '/g', retention_in_days: 30, kms_key_id: KMS } } },
  },
  'ENC-11': {
    fail: [bucket(), bucket(onBucket('aws_s3_bucket_server_side_encryption_configuration', { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }] }))],
    pass: {
      ...KEY,
      ...bucket(onBucket('aws_s3_bucket_server_side_encryption_configuration', { rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KMS } }] })),
    },
  },
  'TLS-01': {
    fail: [{ aws_sqs_queue: { q: { name: 'q' } } }],
    pass: { aws_sqs_queue: { q: { name: 'q' } }, aws_sqs_queue_policy: { p: { queue_url: '${aws_sqs_queue.q.url}', policy: doc(tlsDeny('sqs:*')) } } },
  },
  'TLS-02': {
    fail: [{ aws_sns_topic: { t: { name: 't' } } }],
    pass: { aws_sns_topic: { t: { name: 't' } }, aws_sns_topic_policy: { p: { arn: '${aws_sns_topic.t.arn}', policy: doc(tlsDeny('sns:Publish')) } } },
  },
  'TLS-03': { fail: [bucket()], pass: bucket(onBucket('aws_s3_bucket_policy', { policy: doc(tlsDeny('s3:*')) })) },
  'TLS-04': {
    fail: [cache({ transit_encryption_enabled: false }), cache({ transit_encryption_enabled: true, transit_encryption_mode: 'preferred' })],
    pass: cache({ transit_encryption_enabled: true, transit_encryption_mode: 'required' }),
  },
  'TLS-05': {
    fail: [
      cluster({}),
      { ...cluster({ db_cluster_parameter_group_name: '${aws_rds_cluster_parameter_group.pg.name}' }), aws_rds_cluster_parameter_group: { pg: { family: 'aurora-postgresql16', parameter: [] } } },
    ],
    pass: {
      ...cluster({ db_cluster_parameter_group_name: '${aws_rds_cluster_parameter_group.pg.name}' }),
      aws_rds_cluster_parameter_group: { pg: { family: 'aurora-postgresql16', parameter: [{ name: 'rds.force_ssl', value: '1' }] } },
    },
  },
  'TLS-06': {
    fail: [listener({ protocol: 'HTTP', port: 80, default_action: [{ type: 'forward', target_group_arn: 'tg' }] })],
    pass: listener({ protocol: 'HTTP', port: 80, default_action: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }] }),
  },
  'TLS-07': {
    fail: [listener({ protocol: 'HTTPS', port: 443, ssl_policy: 'ELBSecurityPolicy-2016-08' }), listener({ protocol: 'HTTPS', port: 443 })],
    pass: listener({ protocol: 'HTTPS', port: 443, ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }),
  },
  'TLS-08': {
    fail: [distribution({ ordered_cache_behavior: [{ path_pattern: '/static/*', viewer_protocol_policy: 'allow-all' }] })],
    pass: distribution({ ordered_cache_behavior: [{ path_pattern: '/static/*', viewer_protocol_policy: 'https-only' }] }),
  },
  'TLS-09': {
    fail: [
      distribution({ viewer_certificate: { cloudfront_default_certificate: true } }),
      distribution({ viewer_certificate: { acm_certificate_arn: 'arn', minimum_protocol_version: 'TLSv1.1_2016', ssl_support_method: 'sni-only' } }),
    ],
    pass: distribution({ viewer_certificate: { acm_certificate_arn: 'arn', minimum_protocol_version: 'TLSv1.2_2021', ssl_support_method: 'sni-only' } }),
  },
  'TLS-10': {
    fail: [
      distribution({ origin: [{ origin_id: 'alb', domain_name: 'alb.example.com', custom_origin_config: { origin_protocol_policy: 'http-only', origin_ssl_protocols: ['TLSv1', 'TLSv1.2'] } }] }),
      { aws_cloudfront_vpc_origin: { v: { vpc_origin_endpoint_config: { origin_protocol_policy: 'match-viewer', origin_ssl_protocols: { items: ['TLSv1.2'], quantity: 1 } } } } },
    ],
    pass: {
      ...distribution({ origin: [{ origin_id: 'alb', domain_name: 'alb.example.com', custom_origin_config: { origin_protocol_policy: 'https-only', origin_ssl_protocols: ['TLSv1.2'] } }] }),
      aws_cloudfront_vpc_origin: { v: { vpc_origin_endpoint_config: { origin_protocol_policy: 'https-only', origin_ssl_protocols: { items: ['TLSv1.2'], quantity: 1 } } } },
    },
  },
  'LOG-01': { fail: [{ aws_cloudwatch_log_group: { g: { name: '/g' } } }], pass: { aws_cloudwatch_log_group: { g: { name: '/g', retention_in_days: 365 } } } },
  'LOG-02': { fail: [{ aws_cloudwatch_log_group: { g: { name: '/g', retention_in_days: 90 } } }], pass: { aws_cloudwatch_log_group: { g: { name: '/g', retention_in_days: 400 } } } },
  'LOG-03': { fail: [lb(), lb({ access_logs: { bucket: 'b', enabled: false } })], pass: lb({ access_logs: { bucket: 'b', enabled: true } }) },
  'LOG-04': { fail: [distribution({})], pass: distribution({ logging_config: { bucket: 'logs.s3.amazonaws.com' } }) },
  'LOG-05': {
    fail: [acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')])],
    pass: { ...acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')]), aws_wafv2_web_acl_logging_configuration: { l: { resource_arn: '${aws_wafv2_web_acl.w.arn}', log_destination_configs: ['x'] } } },
  },
  'LOG-06': { fail: [cluster({}), cluster({ enabled_cloudwatch_logs_exports: [] })], pass: cluster({ enabled_cloudwatch_logs_exports: ['postgresql'] }) },
  'LOG-07': { fail: [task({ logConfiguration: undefined })], pass: task({}) },
  'BAK-01': {
    fail: [{ aws_dynamodb_table: { t: { name: 't' } } }, { aws_dynamodb_table: { t: { name: 't', point_in_time_recovery: { enabled: false } } } }],
    pass: { aws_dynamodb_table: { t: { name: 't', point_in_time_recovery: { enabled: true } } } },
  },
  'BAK-02': { fail: [{ aws_dynamodb_table: { t: { name: 't' } } }], pass: { aws_dynamodb_table: { t: { name: 't', deletion_protection_enabled: true } } } },
  'BAK-03': { fail: [cluster({}), cluster({ backup_retention_period: 3 })], pass: cluster({ backup_retention_period: 7 }) },
  'BAK-04': {
    fail: [cluster({ deletion_protection: false }), cluster({ deletion_protection: true, skip_final_snapshot: true })],
    pass: cluster({ deletion_protection: true, skip_final_snapshot: false, final_snapshot_identifier: 'db-final' }),
  },
  'BAK-05': { fail: [cache({}), cache({ snapshot_retention_limit: 0 })], pass: cache({ snapshot_retention_limit: 7 }) },
  'BAK-06': { fail: [lb()], pass: lb({ enable_deletion_protection: true }) },
  'BAK-07': { fail: [bucket()], pass: bucket(onBucket('aws_s3_bucket_versioning', { versioning_configuration: { status: 'Enabled' } })) },
  'BAK-08': {
    fail: [{ ...cluster({}), ...instance({ availability_zone: 'eu-west-1a' }) }],
    pass: {
      ...cluster({}),
      aws_rds_cluster_instance: {
        w: { cluster_identifier: '${aws_rds_cluster.c.cluster_identifier}', availability_zone: 'eu-west-1a' },
        r: { cluster_identifier: '${aws_rds_cluster.c.cluster_identifier}', availability_zone: 'eu-west-1b' },
      },
    },
  },
  'BAK-09': { fail: [cache({ automatic_failover_enabled: false, multi_az_enabled: false })], pass: cache({ automatic_failover_enabled: true, multi_az_enabled: true }) },
  'BAK-10': { fail: [cluster({})], pass: cluster({ copy_tags_to_snapshot: true }) },
  'EDGE-01': { fail: [lb()], pass: lb({ drop_invalid_header_fields: true }) },
  'EDGE-02': {
    fail: [lb(), lb({ internal: false })],
    pass: [{ ...lb(), aws_wafv2_web_acl_association: { w: { resource_arn: '${aws_lb.a.arn}', web_acl_arn: 'arn' } } }, lb({ internal: true })],
  },
  'EDGE-03': { fail: [distribution({})], pass: distribution({ web_acl_id: '${aws_wafv2_web_acl.edge.arn}' }) },
  'EDGE-04': {
    fail: [acl([]), acl([managedRule('AWSManagedRulesCommonRuleSet')])],
    pass: acl([managedRule('AWSManagedRulesCommonRuleSet'), managedRule('AWSManagedRulesKnownBadInputsRuleSet')]),
  },
  'EDGE-05': {
    fail: [acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')], false), acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet', false)])],
    pass: acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')]),
  },
  'EDGE-06': {
    fail: [distribution({ origin: [{ origin_id: 'static', domain_name: 'assets.s3.eu-west-1.amazonaws.com' }] }), distribution({ origin: [{ origin_id: 'static', domain_name: '${aws_s3_bucket.b.bucket_regional_domain_name}' }] })],
    pass: distribution({ origin: [{ origin_id: 'static', domain_name: '${aws_s3_bucket.b.bucket_regional_domain_name}', origin_access_control_id: '${aws_cloudfront_origin_access_control.o.id}' }] }),
  },
  'EDGE-07': { fail: [lb({ desync_mitigation_mode: 'monitor' })], pass: lb({ desync_mitigation_mode: 'strictest' }) },
  'EDGE-08': { fail: [distribution({})], pass: distribution({ default_cache_behavior: { viewer_protocol_policy: 'https-only', response_headers_policy_id: 'p' } }) },
  'EDGE-09': {
    fail: [acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')])],
    pass: { ...acl([managedRule('AWSManagedRulesKnownBadInputsRuleSet')]), ...lb(), aws_wafv2_web_acl_association: { w: { resource_arn: '${aws_lb.a.arn}', web_acl_arn: '${aws_wafv2_web_acl.w.arn}' } } },
  },
  'ECS-01': { fail: [task({ user: undefined }), task({ user: 'root' }), task({ user: '0:0' })], pass: task({}) },
  'ECS-02': { fail: [task({ readonlyRootFilesystem: false }), task({ readonlyRootFilesystem: undefined })], pass: task({}) },
  'ECS-03': { fail: [task({ privileged: true })], pass: task({ privileged: false }) },
  'ECS-04': {
    fail: [task({ environment: [{ name: 'DATABASE_PASSWORD', value: 'hunter2' }] }), task({ environment: [{ name: 'STRIPE_API_KEY', value: 'sk_live_x' }] })],
    pass: task({
      environment: [
        { name: 'SIGNING_KEY_ARN', value: 'arn:aws:kms:eu-west-1:123456789012:key/1' },
        { name: 'TABLE_IDEMPOTENCY_KEYS', value: 'prod-idempotency-keys' },
        { name: 'TOKEN_AUDIENCE_REF', value: '${aws_ssm_parameter.p.value}' },
      ],
      secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' }],
    }),
  },
  'ECS-05': { fail: [task({}, { network_mode: 'host' }), task({}, { pid_mode: 'host' })], pass: task({}) },
  'ECS-06': { fail: [task({}, { task_role_arn: 'arn:aws:iam::1:role/same', execution_role_arn: 'arn:aws:iam::1:role/same' })], pass: task({}) },
  'ECS-07': { fail: [{ aws_ecs_service: { s: { platform_version: '1.3.0' } } }], pass: { aws_ecs_service: { s: { platform_version: 'LATEST' } } } },
  'ECR-01': { fail: [{ aws_ecr_repository: { r: { name: 'r' } } }], pass: { aws_ecr_repository: { r: { name: 'r', image_tag_mutability: 'IMMUTABLE' } } } },
  'ECR-02': {
    fail: [{ aws_ecr_repository: { r: { name: 'r', image_scanning_configuration: { scan_on_push: false } } } }],
    pass: { aws_ecr_repository: { r: { name: 'r', image_scanning_configuration: { scan_on_push: true } } } },
  },
  'ECR-03': {
    fail: [{ aws_ecr_repository: { r: { name: 'r' } } }],
    pass: { aws_ecr_repository: { r: { name: 'r' } }, aws_ecr_lifecycle_policy: { l: { repository: '${aws_ecr_repository.r.name}', policy: '{}' } } },
  },
  'SQS-01': {
    fail: [{ aws_sqs_queue: { q: { name: 'q' } } }],
    pass: {
      aws_sqs_queue: {
        dlq: { name: 'q-dlq' },
        q: { name: 'q', redrive_policy: JSON.stringify({ deadLetterTargetArn: '${aws_sqs_queue.dlq.arn}', maxReceiveCount: 5 }) },
      },
    },
  },
  'SQS-02': {
    fail: [{ aws_sqs_queue: { q: { name: 'q', policy: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sqs:*', Resource: '*' }) } } }],
    pass: { aws_sqs_queue: { q: { name: 'q', policy: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sqs:SendMessage', Resource: '*' }) } } },
  },
  'SEC-01': {
    fail: [{ aws_secretsmanager_secret: { s: { name: 's' } } }],
    pass: {
      aws_secretsmanager_secret: { s: { name: 's' } },
      aws_secretsmanager_secret_rotation: { r: { secret_id: '${aws_secretsmanager_secret.s.id}', rotation_rules: { automatically_after_days: 30 } } },
    },
  },
  'SEC-02': {
    fail: [
      { aws_secretsmanager_secret_rotation: { r: { secret_id: 's', rotation_rules: { automatically_after_days: 180 } } } },
      { aws_secretsmanager_secret_rotation: { r: { secret_id: 's', rotation_rules: { schedule_expression: 'rate(120 days)' } } } },
    ],
    pass: { aws_secretsmanager_secret_rotation: { r: { secret_id: 's', rotation_rules: { automatically_after_days: 90 } } } },
  },
  'RDS-01': { fail: [cluster({})], pass: cluster({ iam_database_authentication_enabled: true }) },
  'RDS-02': { fail: [{ ...cluster({}), ...instance({}) }], pass: { ...cluster({}), ...instance({ monitoring_interval: 60, monitoring_role_arn: 'arn' }) } },
  'RDS-03': { fail: [{ ...cluster({}), ...instance({}) }], pass: { ...cluster({}), ...instance({ performance_insights_enabled: true }) } },
  'RDS-04': { fail: [instance({ auto_minor_version_upgrade: false })], pass: instance({ auto_minor_version_upgrade: true }) },
  'RDS-05': { fail: [cluster({ master_username: 'postgres' })], pass: cluster({ master_username: 'platform_admin' }) },
  'ECA-01': { fail: [cache({}), cache({ at_rest_encryption_enabled: 'false' })], pass: cache({ at_rest_encryption_enabled: 'true' }) },
  'ECA-02': { fail: [cache({})], pass: cache({ user_group_ids: ['${aws_elasticache_user_group.g.user_group_id}'] }) },
  'ECA-03': { fail: [cache({}), cache({ subnet_group_name: 'default' })], pass: cache({ subnet_group_name: '${aws_elasticache_subnet_group.s.name}' }) },
  'ECA-04': { fail: [cache({ auto_minor_version_upgrade: 'false' })], pass: cache({ auto_minor_version_upgrade: 'true' }) },
  'S3-01': {
    fail: [bucket(), bucket(onBucket('aws_s3_bucket_public_access_block', { block_public_acls: true, block_public_policy: false, ignore_public_acls: true, restrict_public_buckets: true }))],
    pass: bucket(onBucket('aws_s3_bucket_public_access_block', { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true })),
  },
  'S3-02': {
    fail: [bucket(), bucket(onBucket('aws_s3_bucket_ownership_controls', { rule: { object_ownership: 'ObjectWriter' } }))],
    pass: bucket(onBucket('aws_s3_bucket_ownership_controls', { rule: { object_ownership: 'BucketOwnerEnforced' } })),
  },
  'S3-03': { fail: [bucket(onBucket('aws_s3_bucket_acl', { acl: 'public-read' }))], pass: bucket(onBucket('aws_s3_bucket_acl', { acl: 'private' })) },
  'S3-04': { fail: [bucket()], pass: bucket(onBucket('aws_s3_bucket_logging', { target_bucket: 'logs', target_prefix: 'b/' })) },
  'S3-05': { fail: [bucket()], pass: bucket(onBucket('aws_s3_bucket_lifecycle_configuration', { rule: [{ id: 'expire', status: 'Enabled' }] })) },
  'MON-01': {
    fail: [cluster({}), { ...cluster({}), ...alarm('AWS/RDS', { DBClusterIdentifier: 'other-db' }) }],
    pass: { ...cluster({}), ...alarm('AWS/RDS', { DBClusterIdentifier: 'db' }) },
  },
  'MON-02': {
    fail: [{ aws_dynamodb_table: { t: { name: 'payments' } } }],
    pass: { aws_dynamodb_table: { t: { name: 'payments' } }, ...alarm('AWS/DynamoDB', { TableName: '${aws_dynamodb_table.t.name}' }) },
  },
  'MON-03': { fail: [cache({})], pass: { ...cache({}), ...alarm('AWS/ElastiCache', { CacheClusterId: 'cache-001' }) } },
  'MON-04': {
    fail: [{ aws_sqs_queue: { q: { name: 'events' } } }, { aws_sqs_queue: { q: { name: 'events' } }, ...alarm('AWS/DynamoDB', { QueueName: 'events' }) }],
    pass: {
      aws_sqs_queue: { q: { name: 'events' } },
      aws_cloudwatch_metric_alarm: {
        m: {
          alarm_actions: ['t'],
          metric_query: [{ id: 'visible', metric: { namespace: 'AWS/SQS', metric_name: 'ApproximateAgeOfOldestMessage', dimensions: { QueueName: 'events' } } }],
        },
      },
    },
  },
  'MON-05': {
    fail: [
      alarm('AWS/SQS', { QueueName: 'q' }, { alarm_actions: [] }),
      alarm('AWS/SQS', { QueueName: 'q' }, { actions_enabled: false }),
      // A quiet child whose composite does not notify, or whose composite watches another alarm.
      { ...quietChild, aws_cloudwatch_composite_alarm: { c: { alarm_rule: 'ALARM("${aws_cloudwatch_metric_alarm.m.arn}")' } } },
      { ...quietChild, aws_cloudwatch_composite_alarm: { c: { alarm_rule: 'ALARM("other") OR OK("${aws_cloudwatch_metric_alarm.m.arn}")', alarm_actions: ['t'] } } },
    ],
    pass: [
      alarm('AWS/SQS', { QueueName: 'q' }),
      { ...quietChild, aws_cloudwatch_composite_alarm: { c: { alarm_rule: 'ALARM("other") OR ALARM("${aws_cloudwatch_metric_alarm.m.arn}")', alarm_actions: ['t'] } } },
      { ...quietChild, aws_cloudwatch_composite_alarm: { c: { alarm_rule: 'ALARM(child-alarm)', alarm_actions: ['t'] } } },
    ],
  },
  'MON-06': {
    fail: [{ aws_ecs_cluster: { c: { name: 'c' } } }, { aws_ecs_cluster: { c: { name: 'c', setting: [{ name: 'containerInsights', value: 'disabled' }] } } }],
    pass: { aws_ecs_cluster: { c: { name: 'c', setting: [{ name: 'containerInsights', value: 'enabled' }] } } },
  },
};
