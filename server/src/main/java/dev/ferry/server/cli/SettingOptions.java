package dev.ferry.server.cli;

import dev.ferry.server.config.Setting;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command-line options made from the {@link Setting} table (picocli's programmatic model), so that a setting's
 * flag, value label, repeatability and help come from its one declaration; and the values a parse gave them, as
 * the config loader takes them.
 */
final class SettingOptions {
    private SettingOptions() {}

    /** The option for {@code s}, its help being {@code description} followed by env var, YAML key and default. */
    static OptionSpec option(Setting s, String description) {
        String help = description + " Env " + s.env() + ", yaml " + s.key()
                + (s.form() == Setting.Form.SWITCH ? " (true/false)" : "") + ". Default: " + s.shownDefault() + ".";
        // picocli formats descriptions: a literal % is %%.
        OptionSpec.Builder b = OptionSpec.builder(s.flag()).description(help.replace("%", "%%"));
        return switch (s.form()) {
            case ONE -> b.type(String.class).paramLabel(s.label()).build();
            case REPEATED_SPACES, REPEATED_COMMAS ->
                b.type(List.class)
                        .auxiliaryTypes(String.class)
                        .paramLabel(s.label())
                        .build();
            case SWITCH -> b.type(Boolean.class).arity("0").negatable(true).build();
        };
    }

    /** Adds options to a command after its annotated ones, keeping --help and --version last in its help. */
    static CommandSpec add(CommandSpec spec, List<OptionSpec> options) {
        List<OptionSpec> standard = spec.options().stream()
                .filter(o -> o.usageHelp() || o.versionHelp())
                .toList();
        standard.forEach(spec::remove);
        options.forEach(spec::addOption);
        standard.forEach(spec::addOption);
        return spec;
    }

    /** The option for {@code s} with its own help. */
    static OptionSpec option(Setting s) {
        return option(s, s.description());
    }

    /**
     * What the command line gave, as text: a repeated flag's values joined as the environment writes them, a
     * switch as true or false. Settings not given are absent.
     */
    static Map<Setting, String> given(CommandSpec spec) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<Setting, String> out = new EnumMap<>(Setting.class);
        for (Setting s : Setting.values()) {
            OptionSpec o = parsed.matchedOption(s.flag());
            if (o == null) {
                continue;
            }
            Object v = o.getValue();
            out.put(
                    s,
                    v instanceof List<?> list
                            ? String.join(
                                    s.form().separator(),
                                    list.stream().map(String::valueOf).toList())
                            : String.valueOf(v));
        }
        return out;
    }
}
