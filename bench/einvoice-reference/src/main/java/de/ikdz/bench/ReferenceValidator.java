package de.ikdz.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import com.helger.diver.api.coord.DVRCoordinate;
import com.helger.phive.api.execute.ValidationExecutionManager;
import com.helger.phive.api.executorset.IValidationExecutorSet;
import com.helger.phive.api.executorset.ValidationExecutorSetRegistry;
import com.helger.diagnostics.error.IError;
import com.helger.phive.api.result.ValidationResult;
import com.helger.phive.api.result.ValidationResultList;
import com.helger.phive.api.validity.IValidityDeterminator;
import com.helger.phive.en16931.EN16931Validation;
import com.helger.phive.xml.source.IValidationSourceXML;
import com.helger.phive.xml.source.ValidationSourceXML;
import com.helger.phive.xrechnung.XRechnungValidation;

/**
 * Validates a list of XRechnung / EN 16931 files with the phive engine and prints one verdict per file and the
 * timing, for bench/einvoice.py.
 *
 * Usage: ReferenceValidator LISTFILE THREADS. LISTFILE names one file per line (repeats allowed). Every distinct
 * file is validated once first (warm-up: rule compilation and JIT), then the whole list is validated on THREADS
 * threads and timed. Output lines: "verdict TAB index TAB accepted|rejected TAB milliseconds" for every list entry,
 * then "summary TAB files TAB seconds TAB cpu-seconds" (CPU time of the whole JVM during the timed part).
 *
 * The executor set is chosen as KoSIT's scenarios do: by document type and the exact specification identifier
 * (BT-24); an identifier no scenario knows is rejected without validation. phive applies KoSIT's customLevel
 * overrides except two, which are applied here as KoSIT's scenarios.xml (configuration 2026-01-31) does: CVD
 * invoices run under the standard XRechnung set with BR-CL-13 lowered to information (phive has no CVD set), and
 * UBL-CR-646 is raised to an error in the XRechnung CIUS scenarios for UBL.
 */
public final class ReferenceValidator {
  private static final String UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
  private static final String UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
  private static final String CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
  private static final String CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
  private static final String RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
  private static final String XR_CIUS = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0";
  private static final String XR_EXTENSION =
      "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0";
  private static final String XR_CVD =
      "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9";
  private static final String EN16931 = "urn:cen.eu:en16931:2017";

  private static final ValidationExecutorSetRegistry<IValidationSourceXML> REGISTRY = new ValidationExecutorSetRegistry<>();

  private ReferenceValidator() {}

  private static DocumentBuilder newBuilder() throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    return factory.newDocumentBuilder();
  }

  private static final ThreadLocal<DocumentBuilder> BUILDER = ThreadLocal.withInitial(() -> {
    try {
      return newBuilder();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  });

  private static List<String> customizationIds(Element root) {
    List<String> ids = new ArrayList<>();
    if (CII.equals(root.getNamespaceURI())) {
      for (Node context = root.getFirstChild(); context != null; context = context.getNextSibling()) {
        if ("ExchangedDocumentContext".equals(context.getLocalName())) {
          for (Node param = context.getFirstChild(); param != null; param = param.getNextSibling()) {
            if ("GuidelineSpecifiedDocumentContextParameter".equals(param.getLocalName())) {
              for (Node id = param.getFirstChild(); id != null; id = id.getNextSibling()) {
                if ("ID".equals(id.getLocalName()) && RAM.equals(id.getNamespaceURI())) {
                  ids.add(id.getTextContent());
                }
              }
            }
          }
        }
      }
    } else {
      for (Node child = root.getFirstChild(); child != null; child = child.getNextSibling()) {
        if ("CustomizationID".equals(child.getLocalName()) && CBC.equals(child.getNamespaceURI())) {
          ids.add(child.getTextContent());
        }
      }
    }
    return ids;
  }

  /** The executor set for a document, as KoSIT's scenario match would pick it; null if none matches. */
  static boolean isCvd(Element root) {
    return customizationIds(root).contains(XR_CVD);
  }

  static boolean isUblCius(Element root) {
    return !CII.equals(root.getNamespaceURI()) && customizationIds(root).stream()
        .filter(id -> id.equals(XR_CIUS) || id.equals(XR_EXTENSION) || id.equals(XR_CVD) || id.equals(EN16931))
        .findFirst().map(id -> id.equals(XR_CIUS) || id.equals(XR_CVD)).orElse(false);
  }

  static DVRCoordinate select(Element root) {
    String ns = root.getNamespaceURI();
    String kind = UBL_INVOICE.equals(ns) ? "ubl-invoice" : UBL_CREDIT_NOTE.equals(ns) ? "ubl-creditnote" : CII.equals(ns) ? "cii" : null;
    if (kind == null) {
      return null;
    }
    for (String id : customizationIds(root)) {
      switch (id) {
        case XR_CIUS:
        case XR_CVD:
          return switch (kind) {
            case "ubl-invoice" -> XRechnungValidation.VID_XRECHNUNG_UBL_INVOICE_302;
            case "ubl-creditnote" -> XRechnungValidation.VID_XRECHNUNG_UBL_CREDITNOTE_302;
            default -> XRechnungValidation.VID_XRECHNUNG_CII_302;
          };
        case XR_EXTENSION:
          return switch (kind) {
            case "ubl-invoice" -> XRechnungValidation.VID_XRECHNUNG_EXTENSION_UBL_INVOICE_302;
            case "cii" -> XRechnungValidation.VID_XRECHNUNG_EXTENSION_CII_302;
            default -> null;
          };
        case EN16931:
          return switch (kind) {
            case "ubl-invoice" -> EN16931Validation.VID_UBL_INVOICE_1315;
            case "ubl-creditnote" -> EN16931Validation.VID_UBL_CREDIT_NOTE_1315;
            default -> EN16931Validation.VID_CII_1315;
          };
        default:
          break;
      }
    }
    return null;
  }

  static boolean validate(Path path, byte[] data) throws Exception {
    Document document;
    try {
      document = BUILDER.get().parse(new java.io.ByteArrayInputStream(data));
    } catch (Exception e) {
      return false;
    }
    DVRCoordinate vesid = select(document.getDocumentElement());
    if (vesid == null) {
      return false;
    }
    IValidationExecutorSet<IValidationSourceXML> ves = REGISTRY.getOfID(vesid);
    IValidationSourceXML source = ValidationSourceXML.create(path.toString(), document);
    ValidationResultList results =
        ValidationExecutionManager.executeValidation(IValidityDeterminator.createDefault(), ves, source, Locale.US);
    boolean cvd = isCvd(document.getDocumentElement());
    boolean ublCius = isUblCius(document.getDocumentElement());
    for (ValidationResult result : results) {
      for (IError error : result.getErrorList()) {
        String id = error.getErrorID();
        if (error.isError()) {
          if (!(cvd && "BR-CL-13".equals(id))) {
            return false;
          }
        } else if (ublCius && "UBL-CR-646".equals(id)) {
          return false;
        }
      }
    }
    return true;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ReferenceValidator LISTFILE THREADS");
      System.exit(2);
    }
    EN16931Validation.initEN16931(REGISTRY);
    XRechnungValidation.initXRechnung(REGISTRY);
    List<Path> paths = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank()).map(Path::of).toList();
    int threads = Integer.parseInt(args[1]);
    List<byte[]> data = new ArrayList<>();
    for (Path p : paths) {
      data.add(Files.readAllBytes(p));
    }
    // Warm-up: every distinct file once (compiles the rules, warms the JIT); not timed.
    long warmStart = System.nanoTime();
    for (Path p : new java.util.LinkedHashSet<>(paths)) {
      validate(p, Files.readAllBytes(p));
    }
    System.out.printf(Locale.ROOT, "warmup\t%.3f%n", (System.nanoTime() - warmStart) / 1e9);

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long[] millisNanos = new long[paths.size()];
    boolean[] verdicts = new boolean[paths.size()];
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuStart = os.getProcessCpuTime();
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      final int index = i;
      futures.add(pool.submit(() -> {
        long t0 = System.nanoTime();
        try {
          verdicts[index] = validate(paths.get(index), data.get(index));
        } catch (Exception e) {
          verdicts[index] = false;
        }
        millisNanos[index] = System.nanoTime() - t0;
        return null;
      }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
    pool.shutdown();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < paths.size(); i++) {
      out.append(String.format(Locale.ROOT, "verdict\t%d\t%s\t%.3f%n", i, verdicts[i] ? "accepted" : "rejected",
          millisNanos[i] / 1e6));
    }
    out.append(String.format(Locale.ROOT, "summary\t%d\t%.3f\t%.3f%n", paths.size(), seconds, cpuSeconds));
    System.out.print(out);
    System.out.flush();
  }
}
