using System.Buffers.Binary;

namespace Tributary.Protocol.Records;

/// <summary>The type of a control record, from its key.</summary>
public enum ControlRecordType : short
{
    /// <summary>The transaction was aborted: its records must be skipped by read_committed consumers.</summary>
    Abort = 0,
    /// <summary>The transaction was committed.</summary>
    Commit = 1,
}

/// <summary>
/// A control record: key = int16 version + int16 type; for transaction markers (abort, commit) the value is
/// int16 version + int32 coordinator epoch. Other types (used by KRaft internally) are reported with
/// a coordinator epoch of -1.
/// </summary>
/// <param name="Type">The control record type.</param>
/// <param name="CoordinatorEpoch">The transaction coordinator's epoch for markers; -1 for other types.</param>
public readonly record struct ControlRecord(ControlRecordType Type, int CoordinatorEpoch)
{
    private const short CurrentVersion = 0;

    /// <summary>The key and the value each take 4 and 6 bytes.</summary>
    internal const int KeySize = 4, MarkerValueSize = 6;

    /// <summary>True for commit and abort markers.</summary>
    public bool IsTransactionMarker => Type is ControlRecordType.Abort or ControlRecordType.Commit;

    /// <summary>Reads the control record of a control batch.</summary>
    /// <exception cref="CorruptRecordException">The key or marker value is missing or too short.</exception>
    public static ControlRecord Parse(in RecordView record)
    {
        if (record.IsKeyNull || record.Key.Length < KeySize)
            throw new CorruptRecordException($"Control record key must hold at least {KeySize} bytes, found {(record.IsKeyNull ? "null" : record.Key.Length)}.");
        var type = (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(record.Key.Span[sizeof(short)..]);
        if (type is not (ControlRecordType.Abort or ControlRecordType.Commit)) return new ControlRecord(type, -1);
        if (record.IsValueNull || record.Value.Length < MarkerValueSize)
            throw new CorruptRecordException($"Transaction marker value must hold at least {MarkerValueSize} bytes, found {(record.IsValueNull ? "null" : record.Value.Length)}.");
        return new ControlRecord(type, BinaryPrimitives.ReadInt32BigEndian(record.Value.Span[sizeof(short)..]));
    }

    /// <summary>Writes the key of this control record.</summary>
    internal void WriteKey(Span<byte> key)
    {
        BinaryPrimitives.WriteInt16BigEndian(key, CurrentVersion);
        BinaryPrimitives.WriteInt16BigEndian(key[sizeof(short)..], (short)Type);
    }

    /// <summary>Writes the value of a transaction marker.</summary>
    internal void WriteMarkerValue(Span<byte> value)
    {
        BinaryPrimitives.WriteInt16BigEndian(value, CurrentVersion);
        BinaryPrimitives.WriteInt32BigEndian(value[sizeof(short)..], CoordinatorEpoch);
    }
}
