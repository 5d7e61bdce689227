package dev.floe.stack.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * A development token issuer: an RSA key pair kept in a directory, whose public key the services
 * verify bearer tokens with, and signed RS256 tokens carrying Floe roles in their {@code groups}
 * claim. For the local stack and tests only: production tokens come from the organisation's
 * identity provider.
 */
public final class DevAuth {
  /** The {@code iss} of every development token, which the services require. */
  public static final String ISSUER = "https://floe.dev/local";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private final Path publicKeyFile;
  private final KeyPair keys;

  private DevAuth(Path publicKeyFile, KeyPair keys) {
    this.publicKeyFile = publicKeyFile;
    this.keys = keys;
  }

  /** The key pair kept in {@code dir}, made on first use. */
  public static DevAuth open(Path dir) {
    Path privateFile = dir.resolve("dev-private-key.pem");
    Path publicFile = dir.resolve("dev-public-key.pem");
    try {
      if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
        Files.createDirectories(dir);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair made = generator.generateKeyPair();
        write(publicFile, "PUBLIC KEY", made.getPublic().getEncoded());
        write(privateFile, "PRIVATE KEY", made.getPrivate().getEncoded());
      }
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      PublicKey publicKey = rsa.generatePublic(new X509EncodedKeySpec(read(publicFile)));
      PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(read(privateFile)));
      return new DevAuth(publicFile, new KeyPair(publicKey, privateKey));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make or read the development key in " + dir, e);
    }
  }

  /** The issuer of a module's tests, its keys in the module's build directory. */
  public static DevAuth forTests() {
    return open(Path.of("target", "dev-auth"));
  }

  /** The PEM file of the public key, which the services verify tokens with. */
  public Path publicKey() {
    return publicKeyFile;
  }

  /** What a service needs to verify this issuer's tokens. */
  public Map<String, String> serviceConfig() {
    return Map.of(
        "mp.jwt.verify.publickey.location",
        publicKeyFile.toAbsolutePath().toString(),
        "mp.jwt.verify.issuer",
        ISSUER);
  }

  /** A token for {@code subject} with {@code roles}, valid for the next 12 hours. */
  public String token(String subject, Collection<String> roles) {
    return token(subject, roles, ISSUER, Instant.now(), Duration.ofHours(12));
  }

  /** A token with every claim chosen, to test refusals too. */
  public String token(
      String subject, Collection<String> roles, String issuer, Instant issuedAt, Duration ttl) {
    ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT");
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", issuer)
            .put("sub", subject)
            .put("upn", subject)
            .put("iat", issuedAt.getEpochSecond())
            .put("exp", issuedAt.plus(ttl).getEpochSecond())
            .put("jti", UUID.randomUUID().toString());
    roles.forEach(claims.putArray("groups")::add);
    String signed = encode(header) + "." + encode(claims);
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(keys.getPrivate());
      rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + URL.encodeToString(rs256.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a development token", e);
    }
  }

  private static String encode(ObjectNode json) {
    try {
      return URL.encodeToString(JSON.writeValueAsBytes(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String type, byte[] der) throws IOException {
    String pem =
        "-----BEGIN "
            + type
            + "-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der)
            + "\n-----END "
            + type
            + "-----\n";
    // Written whole, then moved: a reader never sees half a key.
    Path partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    Files.writeString(partial, pem, StandardCharsets.US_ASCII);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static byte[] read(Path file) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}
