@description('Azure region.')
param location string

@description('Key Vault name (3-24 characters).')
param name string

param tags object

@secure()
@description('Stripe API secret key (sk_live_… / rk_live_…; dev: sk_test_…). Required: main.bicep refuses an empty one.')
param stripeSecretKey string

@secure()
@description('Stripe webhook signing secret(s), comma-separated during a rotation.')
param stripeWebhookSecret string

@secure()
@description('HS256 key shared with the LogiNexus identity service (at least 32 bytes).')
param jwtSigningKey string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource stripeKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'stripe-secret-key'
  properties: { value: stripeSecretKey }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'stripe-webhook-secret'
  properties: { value: stripeWebhookSecret }
}

resource signingKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'auth-jwt-signing-key'
  properties: { value: jwtSigningKey }
}

output name string = vault.name
output stripeKeyUri string = stripeKey.properties.secretUri
output webhookKeyUri string = webhookSecret.properties.secretUri
output signingKeyUri string = signingKey.properties.secretUri
