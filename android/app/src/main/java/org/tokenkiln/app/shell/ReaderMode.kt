package org.tokenkiln.app.shell

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import android.nfc.NfcAdapter
import android.nfc.Tag
import org.tokenkiln.core.ReportFact
import android.os.Build
import android.os.Bundle
import android.provider.Settings

/**
 * NFC reader mode for the token: NFC-A only, no NDEF probing (the token is not an NDEF tag,
 * and the probe costs time in the field), no platform sounds (the app gives its own cues).
 * The callback runs on a binder thread: the blocking session runs right there.
 *
 * The activity keeps it on whenever it is resumed, whatever the wizard shows: otherwise a
 * token left on the phone after a burn is handed to Android's own tag dispatch ("no
 * supported app"). A tap the wizard does not expect is ignored (connected, no command sent).
 */
class ReaderMode(
    private val activity: Activity,
    /** A token in the field: its link, and the NFC facts for a first-contact report. */
    private val onToken: (IsoDepLink, List<ReportFact>) -> Unit,
) {
    private val adapter: NfcAdapter? = NfcAdapter.getDefaultAdapter(activity)

    /** The phone has NFC at all (false: it can never write a token). */
    val available: Boolean get() = adapter != null

    /** NFC is present and switched on. */
    val enabled: Boolean get() = adapter?.isEnabled == true

    /** Opens the system's NFC settings (or the wireless settings where there is no NFC page). */
    fun openSettings() {
        try {
            activity.startActivity(Intent(Settings.ACTION_NFC_SETTINGS))
        } catch (_: ActivityNotFoundException) {
            try {
                activity.startActivity(Intent(Settings.ACTION_WIRELESS_SETTINGS))
            } catch (_: ActivityNotFoundException) {
                // no settings screen to offer: the notice still says what to do
            }
        }
    }

    fun enable() {
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
        val extras = Bundle().apply { putInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY, 250) }
        adapter?.enableReaderMode(activity, { tag: Tag -> deliver(tag) }, flags, extras)
    }

    fun disable() {
        adapter?.disableReaderMode(activity)
    }

    private fun deliver(tag: Tag) {
        val link = IsoDepLink.open(tag) ?: return
        try {
            onToken(link, NfcFacts.of(tag))
        } finally {
            link.close()
        }
    }

    /**
     * Where the NFC antenna is, from `NfcAntennaInfo` (API 34+), as a short phrase built
     * by [describe] from the antenna's position relative to the device size; null if unknown.
     */
    fun antennaHint(describe: (xFraction: Float, yFraction: Float) -> String): String? =
        antennaPosition()?.let { (x, y) -> describe(x, y) }

    /** The first antenna's position as fractions of the device width and height (API 34+). */
    fun antennaPosition(): Pair<Float, Float>? {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.UPSIDE_DOWN_CAKE) return null
        val info = adapter?.nfcAntennaInfo ?: return null
        val antenna = info.availableNfcAntennas.firstOrNull() ?: return null
        val w = info.deviceWidth
        val h = info.deviceHeight
        if (w <= 0 || h <= 0) return null
        return antenna.locationX.toFloat() / w to antenna.locationY.toFloat() / h
    }
}
