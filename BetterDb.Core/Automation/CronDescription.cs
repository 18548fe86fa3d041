using System.Globalization;

namespace BetterDb.Core.Automation;

/// <summary>
/// A cron expression in words ("every 15 minutes between 09:00 and 17:59, Monday through Friday (UTC)").
/// Hand-written because no package served here describes cron (Cronos parses and computes occurrences only).
/// It reads Cronos's normalized form (lists of numbers, <c>*</c>, and the tokens L, LW, nW, L-n, nL, n#k), so every
/// syntax Cronos accepts (ranges, steps, names, <c>?</c>, wrap-around ranges) reaches it already expanded: common
/// shapes get natural phrases, anything else an exact if mechanical one.
/// </summary>
public static class CronDescription
{
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] Ordinals = ["first", "second", "third", "fourth", "fifth"];

    /// <param name="normalized">Cronos's <c>CronExpression.ToString()</c>: 5 fields, or 6 with seconds first.</param>
    public static string Describe(string normalized, string zoneId)
    {
        var p = normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var o = p.Length == 6 ? 1 : 0;
        var sec = o == 1 ? p[0] : "0";
        var (min, hour, dom, month, dow) = (p[o], p[o + 1], p[o + 2], p[o + 3], p[o + 4]);

        var s = Numbers(sec);
        var m = Numbers(min);
        var h = Numbers(hour);
        var clock = s is [_] && m is [_] && h is { Count: <= 6 };
        var time = clock
            ? "at " + JoinAnd(h!.Select(x => Clock(x, m![0], s![0])))
            : Time(s, m, h);

        var days = DaysPhrase(dom, dow);
        var parts = new List<string> { time };
        if (days is not null) parts.Add(days);
        else if (clock) parts.Add("every day");
        if (month != "*" && Numbers(month) is { } ms) parts.Add("in " + Names(ms.Select(x => x - 1).ToList(), Months, wrap: false));
        return string.Join(", ", parts) + $" ({zoneId})";
    }

    /// <summary>The time of day when it is not a few clock times: the finest field that varies leads.</summary>
    private static string Time(List<int>? s, List<int>? m, List<int>? h)
    {
        if (s is not [_])
            return Every(s, 60, "second") + Within(m, "minute") + HoursWithin(h);
        if (m is not [_])
            return Every(m, 60, "minute") + (s[0] == 0 ? "" : $" at second {s[0]}") + HoursWithin(h);
        // One minute and second of every hour, or of many hours.
        var at = m[0] == 0 && s[0] == 0 ? "on the hour" : $"at minute {m[0]}" + (s[0] == 0 ? "" : $", second {s[0]}");
        if (h is null) return "every hour " + at;
        if (Step(h, 24) is { Start: 0 } step) return $"every {step.Step} hours {at}";
        return $"{at} past hours {Ranges(h)}";
    }

    /// <summary>"every 10 seconds", "every 15 minutes from minute 5", "at seconds 0, 15 and 40".</summary>
    private static string Every(List<int>? values, int size, string unit)
    {
        if (values is null) return $"every {unit}";
        if (Step(values, size) is { } step)
            return step.Start == 0 ? $"every {step.Step} {unit}s" : $"every {step.Step} {unit}s from {unit} {step.Start}";
        return values.Count == 1 ? $"at {unit} {values[0]}" : $"at {unit}s {Ranges(values)}";
    }

    private static string Within(List<int>? values, string unit) =>
        values is null ? "" : values.Count == 1 ? $" during {unit} {values[0]}" : $" during {unit}s {Ranges(values)}";

    private static string HoursWithin(List<int>? h)
    {
        if (h is null) return "";
        if (IsRun(h)) return $" between {h[0]:00}:00 and {h[^1]:00}:59";
        if (Step(h, 24) is { Start: 0 } step) return $", every {step.Step} hours";
        return $" during hours {Ranges(h)}";
    }

    private static string? DaysPhrase(string dom, string dow)
    {
        var byDate = DayOfMonth(dom);
        var byWeekday = DayOfWeek(dow);
        if (byDate is null) return byWeekday;
        if (byWeekday is null) return byDate;
        // Cronos fires only when both hold.
        return $"{byDate}, only if it is {byWeekday.Replace("on ", "")}";
    }

    private static string? DayOfMonth(string dom)
    {
        if (dom == "*") return null;
        if (dom == "L") return "on the last day of the month";
        if (dom == "LW") return "on the last weekday of the month";
        if (dom.StartsWith("L-", StringComparison.Ordinal)) return $"{dom[2..]} days before the last day of the month";
        if (dom.EndsWith('W')) return $"on the weekday nearest day {dom[..^1]} of the month";
        var days = Numbers(dom)!;
        return days.Count == 1 ? $"on day {days[0]} of the month" : $"on days {Ranges(days)} of the month";
    }

    private static string? DayOfWeek(string dow)
    {
        if (dow == "*") return null;
        if (dow.EndsWith('L') && int.TryParse(dow[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            return $"on the last {Days[last % 7]} of the month";
        var hash = dow.IndexOf('#');
        if (hash > 0 && int.TryParse(dow[..hash], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
                     && int.TryParse(dow[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var nth) && nth is >= 1 and <= 5)
            return $"on the {Ordinals[nth - 1]} {Days[day % 7]} of the month";
        var days = Numbers(dow)!.Select(d => d % 7).Distinct().Order().ToList();
        var names = Names(days, Days, wrap: true);
        return days.Count == 1 ? "on " + names : names;
    }

    /// <summary>"Monday through Friday" for a run of three or more (across the week's end too), else "Monday and Friday".</summary>
    private static string Names(List<int> values, string[] names, bool wrap)
    {
        if (values.Count >= 3 && IsRun(values)) return $"{names[values[0]]} through {names[values[^1]]}";
        if (wrap && values.Count >= 3 && values.Count < names.Length)
        {
            // A run that crosses Saturday -> Sunday (FRI-MON is 0,1,5,6): start after the gap.
            var gap = Enumerable.Range(0, values.Count).FirstOrDefault(i => i > 0 && values[i] != values[i - 1] + 1, -1);
            if (gap > 0 && values[0] == 0 && values[^1] == names.Length - 1)
            {
                var rotated = values.Skip(gap).Concat(values.Take(gap)).ToList();
                var isRun = rotated.Zip(rotated.Skip(1)).All(x => x.Second == (x.First + 1) % names.Length);
                if (isRun) return $"{names[rotated[0]]} through {names[rotated[^1]]}";
            }
        }
        return JoinAnd(values.Select(v => names[v]));
    }

    private sealed record Progression(int Start, int Step);

    /// <summary>Values that are start, start+step, ... to the end of the field (what <c>*/n</c> and <c>a/n</c> expand to).</summary>
    private static Progression? Step(List<int> values, int size)
    {
        if (values.Count < 2) return null;
        var step = values[1] - values[0];
        if (step < 2) return null;
        for (var i = 2; i < values.Count; i++)
            if (values[i] - values[i - 1] != step) return null;
        return values[^1] + step >= size && values[0] < step ? new Progression(values[0], step) : null;
    }

    private static bool IsRun(List<int> values) => values.Zip(values.Skip(1)).All(x => x.Second == x.First + 1);

    /// <summary>"1-5, 9 and 12": runs of three or more as ranges.</summary>
    private static string Ranges(List<int> values)
    {
        var parts = new List<string>();
        for (var i = 0; i < values.Count;)
        {
            var j = i;
            while (j + 1 < values.Count && values[j + 1] == values[j] + 1) j++;
            if (j - i >= 2) parts.Add($"{values[i]}-{values[j]}");
            else for (var k = i; k <= j; k++) parts.Add(values[k].ToString(CultureInfo.InvariantCulture));
            i = j + 1;
        }
        return JoinAnd(parts);
    }

    private static List<int>? Numbers(string field)
    {
        if (field == "*") return null;
        var list = new List<int>();
        foreach (var part in field.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
            list.Add(n);
        }
        return list;
    }

    private static string Clock(int h, int m, int s) => s == 0 ? $"{h:00}:{m:00}" : $"{h:00}:{m:00}:{s:00}";

    private static string JoinAnd(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1];
    }
}
