import { Construct } from 'constructs';
import { TerraformIterator, Token } from 'cdktf';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';

export interface DnsValidatedCertificateProps {
  readonly domainName: string;
  /** The Route 53 zone the validation records are written to. */
  readonly hostedZoneId: string;
}

/**
 * A public ACM certificate for one name, validated in DNS: one validation record per
 * `domain_validation_options` entry (`for_each` keyed by domain name, which the provider knows at
 * plan time, so it plans offline) and an `aws_acm_certificate_validation` that waits for issuance.
 * The certificate's region is its provider's: place it in a us-east-1 scope for CloudFront.
 */
export class DnsValidatedCertificate extends Construct {
  /** The ARN once the certificate is issued: users wait for validation, not just creation. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: DnsValidatedCertificateProps) {
    super(scope, id);
    const certificate = new AcmCertificate(this, 'certificate', {
      domainName: props.domainName,
      validationMethod: 'DNS',
      lifecycle: { createBeforeDestroy: true },
      tags: { Name: props.domainName },
    });
    const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, 'domain_name');
    const records = new Route53Record(this, 'validation', {
      forEach: options,
      zoneId: props.hostedZoneId,
      name: options.getString('resource_record_name'),
      type: options.getString('resource_record_type'),
      records: [options.getString('resource_record_value')],
      ttl: 300,
    });
    const validation = new AcmCertificateValidation(this, 'validation-wait', {
      certificateArn: certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty('fqdn')),
    });
    this.arn = validation.certificateArn;
  }
}
