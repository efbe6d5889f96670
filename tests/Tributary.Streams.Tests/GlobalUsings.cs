// The library's namespaces, as an application imports them; Internal for the white-box tests.
global using Tributary.Streams.Dsl;
global using Tributary.Streams.Extensions;
global using Tributary.Streams.Helpers;
global using Tributary.Streams.Internal;
global using Tributary.Streams.Messages;
global using Tributary.Streams.Settings;
global using Tributary.Streams.Supervision;
