package org.tokenkiln.app.wizard

import org.tokenkiln.core.BurnOptions
import org.tokenkiln.core.BurnReport
import org.tokenkiln.core.ReferenceClock
import org.tokenkiln.core.Seed
import org.tokenkiln.core.SeedInput
import org.tokenkiln.core.SessionObserver
import org.tokenkiln.core.TokenLink
import org.tokenkiln.core.burnToken
import org.tokenkiln.core.parseSeedInput

/**
 * The wizard's side effects: everything that reaches the Rust core. Small on purpose, so a
 * test can wrap it (count calls, inject a failure) while the real core does the work.
 */
interface TokenSessions {
    /** Reads typed, pasted, shared or scanned text. Never throws. */
    fun parse(text: String): SeedInput

    /**
     * One contact with the token: read, measure, authenticate, write, confirm. Blocking;
     * called on the thread that delivered the tag (Android's reader-mode callback thread).
     * Throws [org.tokenkiln.core.KilnException].
     */
    fun burn(
        link: TokenLink,
        clock: ReferenceClock,
        seed: Seed,
        options: BurnOptions,
        observer: SessionObserver,
    ): BurnReport
}

/** The production implementation: straight calls into the uniffi bindings. */
object CoreSessions : TokenSessions {
    override fun parse(text: String): SeedInput = parseSeedInput(text)

    override fun burn(
        link: TokenLink,
        clock: ReferenceClock,
        seed: Seed,
        options: BurnOptions,
        observer: SessionObserver,
    ): BurnReport = burnToken(link, clock, seed, options, observer)
}

/** Where the reference time comes from (network time on Android 13+, else the phone clock). */
fun interface ClockSource {
    fun reference(): ReferenceClock
}
