package org.tokenkiln.app

import android.Manifest
import android.annotation.SuppressLint
import android.app.Application
import android.content.ClipboardManager
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.SurfaceTexture
import android.os.Build
import android.os.Bundle
import android.view.HapticFeedbackConstants
import android.view.TextureView
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.OnBackPressedCallback
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableLongStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.viewinterop.AndroidView
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.ViewModelProvider
import org.tokenkiln.app.shell.CameraFrames
import org.tokenkiln.app.shell.NetworkClock
import org.tokenkiln.app.shell.QrFrames
import org.tokenkiln.app.shell.ReaderMode
import org.tokenkiln.app.shell.SharedContent
import org.tokenkiln.app.ui.Haptic
import org.tokenkiln.app.ui.S
import org.tokenkiln.app.ui.ShellUi
import org.tokenkiln.app.ui.Strings
import org.tokenkiln.app.ui.WizardScreen
import org.tokenkiln.app.ui.cueFor
import org.tokenkiln.app.ui.showsSeedData
import org.tokenkiln.app.wizard.CoreSessions
import org.tokenkiln.app.wizard.InputMode
import org.tokenkiln.app.wizard.Wizard
import org.tokenkiln.app.wizard.WizardEvent
import org.tokenkiln.app.wizard.WizardState

/** Keeps the wizard (and the seed it holds, in Rust memory) across rotations; never saved to disk. */
class WizardHolder(app: Application) : AndroidViewModel(app) {
    val wizard = Wizard(CoreSessions, NetworkClock(app.getString(R.string.clock_network), app.getString(R.string.clock_phone)))
}

/**
 * The thin Android shell: Compose screens, NFC reader mode, camera frames, share intents,
 * clipboard, haptics and TalkBack cues around the pure [Wizard].
 */
class MainActivity : ComponentActivity() {
    private lateinit var wizard: Wizard
    private lateinit var reader: ReaderMode
    private lateinit var qr: QrFrames
    private var camera: CameraFrames? = null

    private var state by mutableStateOf<WizardState>(WizardState.GetSeed())
    private var nowSecs by mutableLongStateOf(0L)
    private var torchOn by mutableStateOf(false)
    private var resumed = false
    private var readerOn = false
    private var pendingSurface: SurfaceTexture? = null

    private val strings = object : Strings {
        // Looked up by name: res/raw/keep.xml keeps them through shrinking, and a JVM test
        // checks S.kt and strings.xml list the same names.
        @SuppressLint("DiscouragedApi")
        override fun text(key: S, vararg args: Any): String {
            val id = resources.getIdentifier(key.name, "string", packageName)
            return getString(id, *args)
        }
    }

    private val listener: (WizardState) -> Unit = { s -> runOnUiThread { show(s) } }

    private val cameraPermission = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        val surface = pendingSurface
        pendingSurface = null
        if (granted && surface != null) openCamera(surface)
        if (!granted) wizard.dispatch(WizardEvent.ChooseInputMode(InputMode.Type))
    }

    /** System back goes to the wizard's previous step; on the first screen it leaves the app. */
    private val back = object : OnBackPressedCallback(false) {
        override fun handleOnBackPressed() {
            wizard.dispatch(WizardEvent.Back)
        }
    }

    private val ticker = object : Runnable {
        override fun run() {
            nowSecs = wizard.referenceSecs(state)
            window.decorView.postDelayed(this, 1000L - System.currentTimeMillis() % 1000L)
        }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        wizard = ViewModelProvider(this)[WizardHolder::class.java].wizard
        reader = ReaderMode(this) { link -> wizard.dispatch(WizardEvent.TokenTapped(link)) }
        qr = QrFrames(wizard)
        wizard.addListener(listener)
        onBackPressedDispatcher.addCallback(this, back)
        state = wizard.state
        back.isEnabled = !(state is WizardState.GetSeed && (state as WizardState.GetSeed).problem == null)
        applySecure(state)
        if (savedInstanceState == null) receive(intent)

        setContent {
            val shell = ShellUi(
                nowSecs = nowSecs,
                cameraPreview = { modifier ->
                    AndroidView(factory = { ctx -> TextureView(ctx).also { attachCamera(it) } }, modifier = modifier)
                },
                torchOn = torchOn,
                onTorch = { on -> camera?.let { it.setTorch(on); torchOn = on } },
                onZoom = { zoomIn -> camera?.stepZoom(zoomIn) },
                onPaste = { getSystemService(ClipboardManager::class.java)?.let { SharedContent.takeClipboardText(it) } },
                antennaHint = reader.antennaHint { _, y ->
                    getString(if (y < 0.34f) R.string.antenna_top else if (y > 0.66f) R.string.antenna_bottom else R.string.antenna_middle)
                },
                antennaY = reader.antennaPosition()?.second,
                nfcEnabled = reader.enabled,
            )
            WizardScreen(state, strings, shell) { e -> wizard.dispatch(e) }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        receive(intent)
    }

    override fun onResume() {
        super.onResume()
        resumed = true
        updateReaderMode(state)
        ticker.run()
    }

    override fun onPause() {
        resumed = false
        readerOn = false
        reader.disable()
        window.decorView.removeCallbacks(ticker)
        closeCamera()
        super.onPause()
    }

    override fun onDestroy() {
        wizard.removeListener(listener)
        super.onDestroy()
    }

    private fun show(next: WizardState) {
        val previous = state
        state = next
        back.isEnabled = !(next is WizardState.GetSeed && next.problem == null)
        applySecure(next)
        updateReaderMode(next)
        if (!(next is WizardState.GetSeed && next.mode == InputMode.Scan)) closeCamera()
        cueFor(previous, next, strings)?.let { cue ->
            val view = window.decorView
            @Suppress("DEPRECATION") // the replacement (pane titles / live regions) also speaks; this is immediate
            view.announceForAccessibility(cue.speech)
            val feedback = when (cue.haptic) {
                Haptic.None -> null
                Haptic.Tick -> HapticFeedbackConstants.VIRTUAL_KEY
                Haptic.Success -> if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) HapticFeedbackConstants.CONFIRM else HapticFeedbackConstants.LONG_PRESS
                Haptic.Error -> if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) HapticFeedbackConstants.REJECT else HapticFeedbackConstants.LONG_PRESS
            }
            feedback?.let { view.performHapticFeedback(it) }
        }
    }

    /** Screenshots and the recents thumbnail are blocked while seed data is on screen. */
    private fun applySecure(s: WizardState) {
        if (s.showsSeedData()) {
            window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        } else {
            window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
        }
    }

    /** Reader mode is on exactly while a token may be tapped (and the app is in front). */
    private fun updateReaderMode(s: WizardState) {
        val wantsToken = s is WizardState.Hold || s is WizardState.InContact || (s is WizardState.Failed && s.tapAgain)
        val on = resumed && wantsToken
        // Only on a change: re-enabling reader mode mid-session would drop the token.
        if (on == readerOn) return
        readerOn = on
        if (on) reader.enable() else reader.disable()
    }

    private fun receive(intent: Intent?) {
        intent ?: return
        SharedContent.text(intent)?.let {
            wizard.dispatch(WizardEvent.Shared(it))
            return
        }
        val uri = SharedContent.imageUri(intent) ?: return
        Thread {
            if (!qr.onSharedImage(contentResolver, uri)) {
                runOnUiThread { android.widget.Toast.makeText(this, strings.text(S.share_image_no_qr), android.widget.Toast.LENGTH_LONG).show() }
            }
        }.start()
    }

    private fun attachCamera(view: TextureView) {
        view.surfaceTextureListener = object : TextureView.SurfaceTextureListener {
            override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) {
                if (checkSelfPermission(Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
                    openCamera(surface)
                } else {
                    pendingSurface = surface
                    cameraPermission.launch(Manifest.permission.CAMERA)
                }
            }

            override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) {}

            override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean {
                if (pendingSurface === surface) pendingSurface = null
                closeCamera()
                return true
            }

            override fun onSurfaceTextureUpdated(surface: SurfaceTexture) {}
        }
    }

    private fun openCamera(surface: SurfaceTexture) {
        closeCamera()
        camera = CameraFrames(
            this,
            onLuma = qr::onFrame, // camera thread, one frame at a time
            onError = { },
        ).also { it.open(surface) }
    }

    private fun closeCamera() {
        camera?.close()
        camera = null
        torchOn = false
    }
}
