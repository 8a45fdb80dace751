package org.tokenkiln.app.shell

import android.os.Build
import android.os.SystemClock
import org.tokenkiln.app.wizard.ClockSource
import org.tokenkiln.core.ReferenceClock
import java.time.DateTimeException

/**
 * The reference time: network time when Android offers it (API 33+,
 * `SystemClock.currentNetworkTimeClock()`, fed by NITZ/NTP without this app needing the
 * INTERNET permission), else the phone's own clock, marked unverified.
 *
 * @param networkLabel shown as the time source for network time ("network time")
 * @param phoneLabel shown for the fallback ("phone clock (not verified)")
 */
class NetworkClock(private val networkLabel: String, private val phoneLabel: String) : ClockSource {
    override fun reference(): ReferenceClock {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            try {
                val network = SystemClock.currentNetworkTimeClock().millis()
                return ReferenceClock(offsetMs = network - System.currentTimeMillis(), trusted = true, source = networkLabel)
            } catch (_: DateTimeException) {
                // No network time fix since boot: fall through to the phone clock.
            }
        }
        return ReferenceClock(offsetMs = 0L, trusted = false, source = phoneLabel)
    }
}
