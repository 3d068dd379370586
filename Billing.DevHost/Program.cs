using Billing.DevHost;

// Billing.DevHost [--settings PATH] | token [...] | replay-poison [...] | reconcile [...]; every command takes --help.
return await DevHostCli.RunAsync(args);
