using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Model;

/// <summary>
/// Turns a <see cref="MessageSpec"/> into a <see cref="MessageModel"/>: drops fields that exist only in
/// unsupported versions, limits every range to the supported versions, collects the nested structs it uses
/// and picks class names that cannot clash with property names.
/// </summary>
internal sealed class ModelBuilder
{
    /// <summary>Appended to a struct's class name when its JSON name equals a property that would sit beside it.</summary>
    private const string ClashSuffix = "Data";

    private readonly MessageSpec _message;
    private readonly VersionRange _supported;
    private readonly VersionRange _flexible;
    private readonly Dictionary<string, StructSpec> _commonStructs;
    private readonly Dictionary<string, string> _classNames = new();
    private readonly List<StructModel> _structs = [];
    private readonly HashSet<string> _declaredClasses = [];

    private ModelBuilder(MessageSpec message)
    {
        _message = message;
        _supported = message.SupportedVersions;
        _flexible = message.FlexibleVersions.Intersect(_supported);
        _commonStructs = message.CommonStructs.ToDictionary(s => s.Name);
    }

    public static MessageModel Build(MessageSpec message)
    {
        var builder = new ModelBuilder(message);
        builder.AssignClassNames();
        var root = builder.BuildStruct(message.Name, message.Fields, isMessage: true, about: "");
        return new MessageModel(message, root, builder._structs, builder._supported, builder._flexible);
    }

    /// <summary>
    /// Nested classes live directly in the message class, so a struct named like a top-level property of the
    /// message, or like one of its own properties, would not compile; those get <see cref="ClashSuffix"/>.
    /// </summary>
    private void AssignClassNames()
    {
        var topLevelNames = _message.Fields.Select(f => f.Name).ToHashSet();
        foreach (var (name, fields) in AllStructDeclarations())
        {
            var clashes = name == _message.Name || topLevelNames.Contains(name) || fields.Any(f => f.Name == name);
            var className = clashes ? name + ClashSuffix : name;
            if (_classNames.ContainsValue(className)) throw new InvalidDataException($"{_message.Name}: struct class name {className} is not unique.");
            _classNames[name] = className;
        }
    }

    private IEnumerable<(string Name, IReadOnlyList<FieldSpec> Fields)> AllStructDeclarations()
    {
        foreach (var common in _message.CommonStructs) yield return (common.Name, common.Fields);
        foreach (var inline in InlineStructs(_message.Fields)) yield return inline;
    }

    private static IEnumerable<(string Name, IReadOnlyList<FieldSpec> Fields)> InlineStructs(IEnumerable<FieldSpec> fields)
    {
        foreach (var field in fields.Where(f => f.Fields is not null))
        {
            yield return (field.Type.ReferencedStruct!, field.Fields!);
            foreach (var nested in InlineStructs(field.Fields!)) yield return nested;
        }
    }

    private StructModel BuildStruct(string className, IReadOnlyList<FieldSpec> fields, bool isMessage, string about)
    {
        var models = new List<FieldModel>();
        // Reserve the slot first so that structs appear parent before child in the generated file.
        var slot = isMessage ? -1 : _structs.Count;
        if (!isMessage) _structs.Add(null!);
        foreach (var field in fields)
        {
            var model = BuildField(field);
            if (model is not null) models.Add(model);
        }
        var result = new StructModel(className, models, isMessage, about);
        if (!isMessage) _structs[slot] = result;
        return result;
    }

    private FieldModel? BuildField(FieldSpec field)
    {
        var versions = field.Versions.Intersect(_supported);
        if (versions.IsEmpty) return null;
        var tagged = field.TaggedVersions.Intersect(versions).Intersect(_flexible);
        if (!tagged.IsEmpty && tagged != versions)
            throw new InvalidDataException($"{_message.Name}.{field.Name}: a field tagged in only some of its versions is not supported.");
        if (field.Default == "null" && field.NullableVersions.IsEmpty)
            throw new InvalidDataException($"{_message.Name}.{field.Name}: default null on a non-nullable field.");
        var structClass = field.Type.ReferencedStruct is { } structName ? DeclareStruct(structName, field) : null;
        return new FieldModel(
            field,
            versions,
            field.NullableVersions.Intersect(versions),
            tagged,
            (field.FlexibleVersions ?? _message.FlexibleVersions).Intersect(versions),
            structClass);
    }

    /// <summary>Builds the struct a field refers to the first time it is met; later uses share the class.</summary>
    private string DeclareStruct(string structName, FieldSpec field)
    {
        var className = _classNames.TryGetValue(structName, out var known)
            ? known
            : throw new InvalidDataException($"{_message.Name}.{field.Name}: unknown struct type {structName}.");
        if (!_declaredClasses.Add(className)) return className;
        var fields = field.Fields ?? (_commonStructs.TryGetValue(structName, out var common)
            ? common.Fields
            : throw new InvalidDataException($"{_message.Name}.{field.Name}: struct {structName} has no fields."));
        BuildStruct(className, fields, isMessage: false, field.About);
        return className;
    }
}
