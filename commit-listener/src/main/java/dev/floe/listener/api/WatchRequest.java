package dev.floe.listener.api;

import dev.floe.contracts.model.Identifiers;
import dev.floe.contracts.model.InitialPosition;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request to watch a table.
 *
 * @param table {@code namespace.table}; nested namespaces are dotted
 * @param branches the branches to follow; the configured default ({@code main}) when absent
 * @param initialPosition {@code earliest} (default) or {@code latest}
 */
public record WatchRequest(
    @Schema(example = "demo.orders", required = true)
        @NotBlank
        @Pattern(regexp = Identifiers.TABLE, message = Identifiers.TABLE_MESSAGE)
        String table,
    @Schema(example = "[\"main\"]") @Size(min = 1, max = 20)
        List<
                @NotBlank
                @Pattern(regexp = Identifiers.BRANCH, message = Identifiers.BRANCH_MESSAGE) String>
            branches,
    @Schema(example = "earliest") InitialPosition initialPosition) {}
