using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using CouponEvent.AppHost.Dashboard.Otlp;

namespace CouponEvent.AppHost.Dashboard;

/// <summary>Turns OTLP's typed values into the strings the dashboard shows and searches.</summary>
internal static class OtlpValues
{
    public static Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(attributes.Count);
        foreach (var attribute in attributes) result[attribute.Key] = Text(attribute.Value);
        return result;
    }

    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => $"{kv.Key}: {Text(kv.Value)}")) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToHexString(value.BytesValue.Span).ToLowerInvariant(),
        _ => "",
    };

    /// <summary>Trace and span ids as W3C writes them: lower-case hex; empty for an absent id.</summary>
    public static string Hex(ByteString id) => id.IsEmpty ? "" : Convert.ToHexString(id.Span).ToLowerInvariant();

    /// <summary>The service name and instance id of a resource (OTEL_SERVICE_NAME, service.instance.id).</summary>
    public static (string Service, string Instance) Source(Resource? resource)
    {
        string service = "unknown", instance = "";
        foreach (var attribute in resource?.Attributes ?? [])
        {
            if (attribute.Key == "service.name") service = Text(attribute.Value);
            else if (attribute.Key == "service.instance.id") instance = Text(attribute.Value);
        }
        return (service, instance);
    }
}
