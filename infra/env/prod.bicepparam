using '../main.bicep'

// Secrets come from the deploying shell's environment, never from this file.
param environmentName = 'prod'
param stripePricePro = readEnvironmentVariable('STRIPE_PRICE_PRO', '')
param stripePriceEnterprise = readEnvironmentVariable('STRIPE_PRICE_ENTERPRISE', '')
param stripePriceProYearly = readEnvironmentVariable('STRIPE_PRICE_PRO_YEARLY', '')
param stripePriceEnterpriseYearly = readEnvironmentVariable('STRIPE_PRICE_ENTERPRISE_YEARLY', '')
param stripePortalConfiguration = readEnvironmentVariable('STRIPE_PORTAL_CONFIGURATION', '')
param jwtIssuer = 'loginexus'
param jwtAudience = 'loginexus-billing'
param jwtAuthority = readEnvironmentVariable('AUTH_JWT_AUTHORITY', '')
param deployerObjectId = readEnvironmentVariable('DEPLOYER_OBJECT_ID', '')
param deployerPrincipalName = readEnvironmentVariable('DEPLOYER_NAME', '')
param deployerPrincipalType = 'Group'
param postgresSkuName = 'Standard_D2ds_v5'
param postgresSkuTier = 'GeneralPurpose'
param maximumInstanceCount = 29
param postgresMaxConnections = 859 // the default of Standard_D2ds_v5
param databaseMaxPoolSize = 28 // 28 × 29 = 812 ≤ 859 − 15 − 10
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', 'billing-alerts@loginexus.example')
// No default: without STRIPE_SECRET_KEY in the shell the deployment stops here (demo mode is never deployed).
param stripeSecretKey = readEnvironmentVariable('STRIPE_SECRET_KEY')
param stripeWebhookSecret = readEnvironmentVariable('STRIPE_WEBHOOK_SECRET', '')
param jwtSigningKey = readEnvironmentVariable('AUTH_JWT_SIGNING_KEY', '')
