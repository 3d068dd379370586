using '../main.bicep'

// Secrets come from the deploying shell's environment, never from this file.
param environmentName = 'dev'
param stripePricePro = readEnvironmentVariable('STRIPE_PRICE_PRO', 'price_dev_pro')
param stripePriceEnterprise = readEnvironmentVariable('STRIPE_PRICE_ENTERPRISE', 'price_dev_enterprise')
param stripePriceProYearly = readEnvironmentVariable('STRIPE_PRICE_PRO_YEARLY', '')
param stripePriceEnterpriseYearly = readEnvironmentVariable('STRIPE_PRICE_ENTERPRISE_YEARLY', '')
param stripePortalConfiguration = readEnvironmentVariable('STRIPE_PORTAL_CONFIGURATION', '')
param jwtIssuer = 'loginexus-dev'
param jwtAudience = 'loginexus-billing'
param deployerObjectId = readEnvironmentVariable('DEPLOYER_OBJECT_ID', '')
param deployerPrincipalName = readEnvironmentVariable('DEPLOYER_NAME', '')
param deployerPrincipalType = 'User'
param postgresSkuName = 'Standard_B2s' // B1ms allows 50 connections (35 for users): too few for 14 instances
param postgresSkuTier = 'Burstable'
param postgresMaxConnections = 429
param databaseMaxPoolSize = 28 // 28 × 14 instances = 392 ≤ 429 − 15 − 10
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', 'billing-dev-alerts@loginexus.example')
// No default: without STRIPE_SECRET_KEY in the shell the deployment stops here (demo mode is never deployed).
param stripeSecretKey = readEnvironmentVariable('STRIPE_SECRET_KEY')
param stripeWebhookSecret = readEnvironmentVariable('STRIPE_WEBHOOK_SECRET', '')
param jwtSigningKey = readEnvironmentVariable('AUTH_JWT_SIGNING_KEY', '')
