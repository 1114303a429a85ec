/**
 * An EDI stage for tests: the dev stage with the EDI file intake behind both Transfer Family servers, an SFTP partner
 * and an AS2 partner (lib/adapters/transfer-server.ts, lib/adapters/as2-server.ts), as `configOverrides` context.
 * The certificate is a placeholder: templates carry it as text, nothing parses it before deployment.
 */
export const EXAMPLE_CERTIFICATE_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUExampleOnlyForTemplateTests\n-----END CERTIFICATE-----\n';

export const EDI_TRANSFER_OVERRIDES = {
  fileIntakes: {
    edi: {
      receiver: { qualifier: 'ZZ', id: 'LSYNC' },
      partners: [
        {
          name: 'summit-freight',
          qualifier: '02',
          id: 'SMFT',
          as2: {
            as2Id: 'SMFT-AS2',
            certificates: [
              { usage: 'SIGNING', pem: EXAMPLE_CERTIFICATE_PEM },
              { usage: 'ENCRYPTION', pem: EXAMPLE_CERTIFICATE_PEM },
            ],
            url: 'http://as2.summit-freight.example:5080/as2',
          },
        },
        { name: 'ridge-haul', qualifier: '02', id: 'RDGH', sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTests partner@example' },
      ],
      transferServer: { enabled: true },
      as2Server: {
        localAs2Id: 'LSYNC-AS2',
        localCertificateIds: ['cert-0123456789abcdef0', 'cert-0123456789abcdef1'],
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      },
    },
  },
} as const;

/** The dev stage with the EDI intake behind AWS B2B Data Interchange (lib/adapters/b2bi-inbound.ts): two partners, one on AS2, one on SFTP. */
export const EDI_B2BI_OVERRIDES = {
  fileIntakes: {
    edi: {
      receiver: { qualifier: 'ZZ', id: 'LSYNC' },
      partners: [
        { name: 'summit-freight', qualifier: '02', id: 'SMFT', scac: 'SMFT', contact: { email: 'edi@summit-freight.example', phone: '+13125550100' }, as2: EDI_TRANSFER_OVERRIDES.fileIntakes.edi.partners[0].as2 },
        { name: 'ridge-haul', qualifier: '02', id: 'RDGH', contact: { email: 'edi@ridge-haul.example' }, sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyForTests partner@example' },
      ],
      transferServer: { enabled: true },
      as2Server: EDI_TRANSFER_OVERRIDES.fileIntakes.edi.as2Server,
      b2bi: { enabled: true, profile: { businessName: 'Example Shipper Inc.', phone: '+13125550199', email: 'edi@shipper.example' } },
    },
  },
} as const;
