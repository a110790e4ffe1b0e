package dev.edgeinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/**
 * picocli lists each command with the first line of its description: that line must be a whole
 * sentence, so {@code ./edgeinfer --help} never shows a summary cut mid-sentence.
 */
class CommandSummaryTest {

    @Test
    void everySubcommandSummaryIsOneWholeSentence() {
        List<CommandLine> commands = new ArrayList<>();
        collect(new CommandLine(new EdgeInferCli()), commands);
        assertThat(commands).extracting(CommandLine::getCommandName)
                .contains("demo", "run", "produce", "publish", "rollback", "keys", "generate", "bench", "config-docs");

        for (CommandLine command : commands) {
            if (command.getParent() == null || command.getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            String[] description = command.getCommandSpec().usageMessage().description();
            assertThat(description).as(command.getCommandName()).isNotEmpty();
            String summary = String.format(description[0]).strip();
            assertThat(summary).as(command.getCommandName() + " summary")
                    .endsWith(".")
                    .matches("[A-Z].*")
                    .doesNotContain(". ");

            // The parent's command list shows the whole summary (wrapped perhaps, never cut).
            String listing = normalize(command.getParent().getUsageMessage(CommandLine.Help.Ansi.OFF));
            assertThat(listing).as(command.getCommandName() + " in its parent's command list")
                    .contains(command.getCommandName() + " " + normalize(summary));
        }
    }

    private static void collect(CommandLine command, List<CommandLine> out) {
        out.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    private static String normalize(String text) {
        return text.replaceAll("\\s+", " ");
    }
}
