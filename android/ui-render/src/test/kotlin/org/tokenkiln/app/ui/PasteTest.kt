package org.tokenkiln.app.ui

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** What counts as a paste into a secret field (the shell then clears the clipboard). */
class PasteTest {
    @Test
    fun `a chunk inserted at once is a paste, typing is not`() {
        assertEquals("JBSWY3DPEHPK3PXP", pastedChunk("", "JBSWY3DPEHPK3PXP"))
        // pasted into the middle of what was typed
        assertEquals("Y3DPEHPK", pastedChunk("JBSW3PXP", "JBSWY3DPEHPK3PXP"))
        // replacing a selection with a longer text
        assertEquals("JBSWY3DPEHPK3PXP", pastedChunk("abc", "JBSWY3DPEHPK3PXP"))
        // typing one character, deleting, or short inserts are not pastes
        assertNull(pastedChunk("JBSW", "JBSWY"))
        assertNull(pastedChunk("JBSWY3DPEHPK3PXP", "JBSW"))
        assertNull(pastedChunk("", "JBSWY3D"))
        assertEquals("JBSWY3DP", pastedChunk("", "JBSWY3DP"))
    }
}
