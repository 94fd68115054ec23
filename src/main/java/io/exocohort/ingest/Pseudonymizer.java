package io.exocohort.ingest;

import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed pseudonyms for subject identifiers: HMAC-SHA256(key, subject_id) in hex. The key comes from an
 * environment variable (default {@code EXOCOHORT_PSEUDONYM_KEY}); without it, only a run that allows the demo
 * key ({@code exocohort.pseudonym.demo=true}, set in conf/local.properties) proceeds, with a warning. The same
 * subject gets the same key across cohorts and runs as long as the key is the same.
 */
public final class Pseudonymizer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(Pseudonymizer.class);
  /** Not a secret: for demos and tests only. */
  public static final String DEMO_KEY = "exocohort-DEMO-key-not-secret";

  private final byte[] key;
  private transient Mac mac;

  public Pseudonymizer(String key) {
    if (key == null || key.length() < 16) {
      throw new BadInputException("the pseudonym key must be at least 16 characters");
    }
    this.key = key.getBytes(StandardCharsets.UTF_8);
  }

  /** From the environment variable named {@code envName}, or the demo key if {@code allowDemo}. */
  public static Pseudonymizer fromEnvironment(String envName, boolean allowDemo) {
    String k = System.getenv(envName);
    if (k != null && !k.isEmpty()) return new Pseudonymizer(k);
    if (!allowDemo) {
      throw new BadInputException("no pseudonym key: set the environment variable " + envName
          + " (a secret of at least 16 characters); subject ids are never stored without it");
    }
    LOG.warn("{} is not set: using the DEMO pseudonym key. Subject keys are NOT protected; "
        + "set {} for real data.", envName, envName);
    return new Pseudonymizer(DEMO_KEY);
  }

  public String pseudonym(String subjectId) {
    try {
      if (mac == null) {
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
      }
      return HexFormat.of().formatHex(mac.doFinal(subjectId.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Identifies the key without revealing it: the first 12 hex digits of its SHA-256. */
  public String keyId() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 12);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
