// The project's own namespaces, visible in every file of the project; users import the ones they need.
global using Tributary.Streams.Dsl;
global using Tributary.Streams.Extensions;
global using Tributary.Streams.Helpers;
global using Tributary.Streams.Internal;
global using Tributary.Streams.Messages;
global using Tributary.Streams.Settings;
global using Tributary.Streams.Supervision;
