using Billing.DevHost;
using Billing.Functions;

// Usage: Billing.DevHost [--settings path/to/local.settings.json]
//        Billing.DevHost token [--tenant UUID] [--role admin|member] [--settings path]
//        Billing.DevHost replay-poison [--max N] [--settings path]
//        Billing.DevHost reconcile [--settings path]
switch (args.FirstOrDefault())
{
    case "token": return DevTokens.Run(args);
    case "replay-poison": return await OperatorCommands.ReplayPoisonAsync(args);
    case "reconcile": return await OperatorCommands.ReconcileAsync(args);
}

var settingsPath = args.SkipWhile(a => a != "--settings").Skip(1).FirstOrDefault();
try
{
    var app = await DevHostApp.BuildAsync(new DevHostOptions { SettingsPath = settingsPath });
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (HostStartup.FindConfigurationError(e) is { } message)
{
    Console.Error.WriteLine($"Configuration error: {message}");
    return 2;
}
